// The client side of a resident engine: when `strata engine` runs for this store, a command it can run is
// sent to it over the store's socket and only its output comes back, so the command starts in a process
// that has the engine loaded and warm instead of loading it (most of a short command's time).
import { connect } from 'node:net';
import { defaultStrataHome } from '../store/home.ts';
import { StrataError } from '../util/errors.ts';
import { ENGINE_BUILD, ENGINE_COMMANDS, engineSocketPath, lineReader, type EngineReply, type EngineRequest } from './engine-protocol.ts';

/** EngineUnavailable is STRATA_ENGINE=require without an engine that takes the command. */
export class EngineUnavailable extends StrataError {
  constructor(message: string) {
    super('ENGINE_UNAVAILABLE', message);
  }
}

/** runInEngine runs argv in this store's engine and resolves with its exit code, or with null when the
 * command is to run here: STRATA_ENGINE=off, a command no engine runs, no engine, or an engine that refused
 * (another build of Strata, a different environment). STRATA_ENGINE=require turns the last two into errors. */
export function runInEngine(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number | null> {
  const mode = env.STRATA_ENGINE ?? 'auto';
  const command = argv[0];
  if (mode === 'off' || command === undefined || !ENGINE_COMMANDS.has(command)) return Promise.resolve(null);
  const home = defaultStrataHome(env);
  const path = engineSocketPath(home);
  const unavailable = (why: string) => (mode === 'require' ? Promise.reject(new EngineUnavailable(`STRATA_ENGINE=require: ${why}`)) : Promise.resolve(null));
  return new Promise<number | null>((resolve, reject) => {
    const socket = connect(path);
    let answered = false;
    let settled = false;
    let cancels = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      // First signal: ask the engine to cancel and wait for its answer (its error, the exit code); a second
      // one leaves at once (the engine cancels when the socket closes).
      if (cancels++ === 0 && answered) socket.write('{"cancel":true}\n');
      else {
        socket.destroy();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
    };
    const settle = (v: number | null, e?: Error) => {
      settled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (e) reject(e);
      else resolve(v);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      const req: EngineRequest = {
        build: ENGINE_BUILD,
        uid: process.getuid?.() ?? -1,
        argv,
        cwd: process.cwd(),
        env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
        stderrIsTTY: !!process.stderr.isTTY,
        ...(process.stderr.columns || process.stdout.columns ? { columns: process.stderr.columns || process.stdout.columns } : {}),
      };
      socket.write(JSON.stringify(req) + '\n');
    });
    const reader = lineReader((line) => {
      if (settled) return;
      const reply = JSON.parse(line) as EngineReply;
      if ('refuse' in reply) {
        socket.destroy();
        unavailable(`the engine at ${path} did not take the command: ${reply.refuse}`).then(settle, (e: Error) => settle(null, e));
        return;
      }
      answered = true;
      if ('out' in reply) process.stdout.write(reply.out);
      else if ('err' in reply) process.stderr.write(reply.err);
      else if ('exit' in reply) {
        socket.end();
        settle(reply.exit);
      }
    });
    socket.on('data', (chunk: string) => reader.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (answered) settle(null, new StrataError('ENGINE_LOST', `the engine at ${path} went away: ${e.message}`));
      // No engine listens (no socket, or one left by an engine that died): run here.
      else unavailable(`no engine runs for ${home} (${e.code ?? e.message}); start one with "strata engine"`).then(settle, (err: Error) => settle(null, err));
    });
    socket.on('close', () => {
      // The engine ended without an exit code (it was stopped mid-command).
      if (answered) settle(null, new StrataError('ENGINE_LOST', `the engine at ${path} stopped before the command ended`));
      else unavailable(`the engine at ${path} closed the connection`).then(settle, (err: Error) => settle(null, err));
    });
  });
}
