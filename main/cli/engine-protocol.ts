// What a `strata` client and a resident engine (`strata engine`) agree on: where the engine listens, which
// commands it runs, which environment must match, and the messages. Kept free of engine code: the client
// imports it on every start.
import { join } from 'node:path';

// Set by npm run build (main/tools/build.mjs) to one value for every bundle of a build.
declare const STRATA_BUILD_ID: string | undefined;

/** ENGINE_BUILD names the code a process runs: a client only talks to an engine of the same build. */
export const ENGINE_BUILD = typeof STRATA_BUILD_ID === 'string' ? STRATA_BUILD_ID : 'source';

/** engineSocketPath is where the engine of a store listens: a unix socket inside the store (mode 0600). */
export function engineSocketPath(home: string): string {
  return join(home, 'engine.sock');
}

/** ENGINE_COMMANDS run in an engine when one is running: those that read no stdin and start no
 * interactive process. The others (run, login, load, save, prune, fsck, ui…) always run in the client. */
export const ENGINE_COMMANDS: ReadonlySet<string> = new Set(['build', 'push', 'pull', 'tag', 'images', 'inspect', 'history', 'rmi', 'du', 'analyze', 'diff']);

const SAME_ENV = new Set(['HOME', 'PATH', 'TMPDIR', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR', 'REGISTRY_AUTH_FILE', 'SOURCE_DATE_EPOCH', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']);

/** sharedEnvKey says whether a variable changes what a command does in the process that runs it (where
 * credentials, helpers, bwrap and temp files are found; the overlay switch), so an engine runs a client's
 * command only when the client's value is its own. STRATA_HOME is matched by the socket's place, and
 * STRATA_ENGINE only steers the client. */
export function sharedEnvKey(key: string): boolean {
  if (key === 'STRATA_HOME' || key === 'STRATA_ENGINE') return false;
  return key.startsWith('STRATA_') || key.startsWith('DOCKER_') || SAME_ENV.has(key);
}

/** envMismatch names the first variable whose value differs between a client and the engine, or null. */
export function envMismatch(client: Record<string, string | undefined>, engine: Record<string, string | undefined>): string | null {
  for (const key of new Set([...Object.keys(client), ...Object.keys(engine)])) {
    if (sharedEnvKey(key) && client[key] !== engine[key]) return key;
  }
  return null;
}

/** lineReader cuts a socket's text into the protocol's lines (one JSON document each) for onLine;
 * pending is how much of an unfinished line it holds. */
export function lineReader(onLine: (line: string) => void): { push: (chunk: string) => void; pending: () => number } {
  let buffered = '';
  return {
    push(chunk) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        onLine(line);
      }
    },
    pending: () => buffered.length,
  };
}

/** EngineRequest is a client's one message: the command and where it was typed. A later {cancel: true}
 * line asks the engine to abort it (the client got SIGINT or SIGTERM). */
export interface EngineRequest {
  build: string;
  /** uid: the client's user (a command runs with the engine's rights: only for the same user). */
  uid: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stderrIsTTY: boolean;
  columns?: number;
}

/** EngineReply is one line from the engine: first `accepted` (the engine runs the command: from then on,
 * an engine that goes away is an error, never a reason to run it again) or a refusal (the only line: the
 * client then runs the command itself); then output, and the exit code last. */
export type EngineReply = { accepted: true } | { out: string } | { err: string } | { exit: number } | { refuse: string };
