// Node 20 keeps no compile cache for ES modules, and compiling the store/registry/builder code is a third
// of a command's start. So the bundled CLI also ships the commands as one CommonJS file, compiled here
// through vm.Script with a V8 code cache per command, kept beside it (wiped by every build).
import { isAscii } from 'node:buffer';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import type { Out } from './args.ts';

/** CachedCli is what the CommonJS bundle of main/cli/index.ts exports. */
type CachedCli = { run: (argv: string[], io?: Out) => Promise<number> };

/** loadCachedCli compiles the CommonJS bundle at file with the code cache of this command, or returns null
 * when there is no bundle (running from sources). done() saves a cache for the next start when none fit. */
export function loadCachedCli(file: string, command: string): { cli: CachedCli; done: () => void } | null {
  let source: string;
  let size: number;
  let mtime: number;
  try {
    const st = statSync(file);
    size = st.size;
    mtime = Math.trunc(st.mtimeMs);
    const bytes = readFileSync(file);
    // The build emits ASCII: read as Latin-1 it is the same string, made without a UTF-8 decode.
    source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  } catch {
    return null;
  }
  // V8 checks a cache against the source's length only: the name carries size and mtime too.
  const cacheDir = join(dirname(file), 'v8-cache');
  const cacheFile = join(cacheDir, `${command.replace(/[^a-z0-9-]/gi, '_')}-${size}-${mtime}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  const mod = { exports: {} as CachedCli };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  const fresh = !cachedData || script.cachedDataRejected === true;
  return {
    cli: mod.exports,
    done: () => {
      if (!fresh) return;
      // After the run: the cache then holds every function this command compiled. A read-only install
      // simply goes without; two processes racing each rename a whole file.
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        /* no cache this time */
      }
    },
  };
}
