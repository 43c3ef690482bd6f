import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { bindEvents } from './ipc/bind-events.ts';
import { resolveBridge } from './ipc/bridge.ts';
import { makeCaller } from './ipc/call.ts';
import { createStrataStore, StoreProvider } from './store/store.ts';
import './styles.css';

// The one place the bridge is wired: components only see the store.
const bridge = resolveBridge();
const store = createStrataStore(makeCaller(bridge), { connection: bridge.connection ?? 'open' });
bindEvents(bridge, store);

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
