// Vite config of the renderer: built into dist/renderer with relative asset URLs, so the same files load
// from the browser mode's /<token>/ prefix and from the Electron window.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // The CSP forbids inline scripts: no modulepreload polyfill snippet in index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: { host: '127.0.0.1', strictPort: true },
});
