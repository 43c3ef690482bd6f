// The resident engine (`strata engine`): one process that keeps the engine loaded for a store and runs the
// commands `strata` clients send over the store's socket, each as it would run in the client (same code,
// the client's directory, environment and terminal), with its output streamed back. As docker's CLI talks
// to dockerd; unlike dockerd, nothing needs it: without an engine every command runs in its own process.
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { StrataError } from '../util/errors.ts';
import type { Out } from './args.ts';
import { ENGINE_BUILD, ENGINE_COMMANDS, engineSocketPath, envMismatch, lineReader, type EngineReply } from './engine-protocol.ts';
import { run } from './index.ts';

/** A request line may not be larger than this (argv and environment of a command line). */
const MAX_REQUEST = 1 << 20;

const EngineRequestSchema = z
  .object({
    build: z.string().max(256),
    uid: z.number().int(),
    argv: z.array(z.string().max(65536)).min(1).max(4096),
    cwd: z.string().min(1).max(4096),
    env: z.record(z.string().max(65536), z.string().max(1 << 17)),
    stderrIsTTY: z.boolean(),
    columns: z.number().int().positive().max(10_000).optional(),
  })
  .strict();

/** EngineError is a failure to start or run the engine server. */
export class EngineError extends StrataError {}

/** RunningEngine is a listening engine: its socket, the commands it is running, and close(). */
export interface RunningEngine {
  socketPath: string;
  /** served counts the commands run so far (tests and the engine's log read it). */
  readonly served: number;
  /** close stops taking commands, cancels the running ones, waits for them and removes the socket. */
  close(): Promise<void>;
}

/** startEngine listens on the store's socket. A socket left by an engine that died is replaced; a live
 * engine for the same store is an error (ENGINE_RUNNING). */
export async function startEngine(home: string, opts: { env?: NodeJS.ProcessEnv; onCommand?: (argv: string[], code: number) => void } = {}): Promise<RunningEngine> {
  const socketPath = engineSocketPath(home);
  const engineEnv = opts.env ?? process.env;
  if (await answers(socketPath)) throw new EngineError('ENGINE_RUNNING', `an engine already runs for ${home} (${socketPath})`, { path: socketPath });
  rmSync(socketPath, { force: true });
  const running = new Set<{ controller: AbortController; done: Promise<void> }>();
  let served = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => serve(socket));

  function serve(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let started = false;
    const controller = new AbortController();
    const send = (reply: EngineReply) => {
      if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(reply) + '\n');
    };
    socket.setEncoding('utf8');
    socket.on('error', () => controller.abort());
    socket.on('close', () => controller.abort());
    const reader = lineReader((line) => {
      if (started) {
        if (line.includes('"cancel"')) controller.abort();
        return;
      }
      started = true;
      start(line);
    });
    socket.on('data', (chunk: string) => {
      reader.push(chunk);
      if (!started && reader.pending() > MAX_REQUEST) {
        send({ refuse: `request larger than ${MAX_REQUEST} bytes` });
        socket.end();
      }
    });

    function start(line: string): void {
      let parsed: z.infer<typeof EngineRequestSchema>;
      try {
        parsed = EngineRequestSchema.parse(JSON.parse(line));
      } catch (e) {
        send({ refuse: `malformed request: ${(e as Error).message.slice(0, 200)}` });
        socket.end();
        return;
      }
      const refusal = refusalOf(parsed, engineEnv);
      if (refusal) {
        send({ refuse: refusal });
        socket.end();
        return;
      }
      send({ accepted: true });
      const io: Out = {
        out: (s) => s && send({ out: s }),
        err: (s) => s && send({ err: s }),
        invocation: {
          cwd: parsed.cwd,
          env: parsed.env,
          stderrIsTTY: parsed.stderrIsTTY,
          ...(parsed.columns ? { columns: parsed.columns } : {}),
          signal: controller.signal,
        },
      };
      const entry = {
        controller,
        done: run(parsed.argv, io).then(
          (code) => {
            served++;
            send({ exit: code });
            socket.end();
            opts.onCommand?.(parsed.argv, code);
          },
          (e) => {
            // run() turns every error into output and a code; this is a bug, still answered.
            send({ err: `Error: ${(e as Error).message}\n` });
            send({ exit: 1 });
            socket.end();
          },
        ),
      };
      running.add(entry);
      void entry.done.finally(() => running.delete(entry));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new EngineError('ENGINE_LISTEN', `cannot listen on ${socketPath}: ${e.message}`, { path: socketPath, code: e.code })),
    );
    server.listen(socketPath, () => resolve());
  });
  // Only the store's owner may send commands: they run with the engine's rights.
  chmodSync(socketPath, 0o600);
  return {
    socketPath,
    get served() {
      return served;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const r of running) r.controller.abort();
      await Promise.all([...running].map((r) => r.done));
      for (const s of sockets) s.destroy(); // connected, never sent a command
      await closed;
      rmSync(socketPath, { force: true });
    },
  };
}

/** refusalOf says why the engine does not run a request (the client then runs it itself), or null. */
function refusalOf(req: z.infer<typeof EngineRequestSchema>, engineEnv: NodeJS.ProcessEnv): string | null {
  if (req.build !== ENGINE_BUILD) return `the engine runs another build of Strata (${ENGINE_BUILD}, the client ${req.build}): restart it`;
  const uid = process.getuid?.() ?? -1;
  if (req.uid !== uid) return `the engine runs as user ${uid}, the client as ${req.uid}`;
  if (!ENGINE_COMMANDS.has(req.argv[0] as string)) return `"${req.argv[0]}" runs in the client`;
  const key = envMismatch(req.env, engineEnv);
  return key ? `${key} differs between the client and the engine` : null;
}

/** answers says whether something accepts connections on the socket at path. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
