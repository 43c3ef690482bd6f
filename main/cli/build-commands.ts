// strata build and strata run: the builder and the sandbox, loaded only by these commands.
import { resolve } from 'node:path';
import { callerOf, opts, need, UsageError, type Out } from './args.ts';
import { runBuild } from '../build/solver.ts';
import { PlainProgress, TtyProgress } from './build-progress.ts';
import { openStore } from './open-store.ts';

function keyValues(list: string[] | undefined, what: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) {
      // docker: --build-arg NAME takes the value from the environment
      if (what === 'build-arg' && eq < 0 && env[kv] !== undefined) out[kv] = env[kv] as string;
      else if (eq < 0) continue;
      else throw new UsageError(`invalid --${what} "${kv}": expected KEY=VALUE`);
    } else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

function parseSecret(spec: string, cwd: string): { id: string; src: string } {
  const fields = Object.fromEntries(spec.split(',').map((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
  }));
  const id = fields.id;
  const src = fields.src ?? fields.source;
  if (!id || !src) throw new UsageError(`invalid --secret "${spec}": expected id=ID,src=FILE`);
  return { id, src: resolve(cwd, src) };
}

/** buildCmd builds an image from a Dockerfile (strata build). */
export async function buildCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, {
    file: { type: 'string', short: 'f' },
    tag: { type: 'string', short: 't', multiple: true },
    'build-arg': { type: 'string', multiple: true },
    target: { type: 'string' },
    'no-cache': { type: 'boolean' },
    'no-cache-filter': { type: 'string', multiple: true },
    secret: { type: 'string', multiple: true },
    network: { type: 'string' },
    progress: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  need(positionals, 1, 'build');
  const progress = values.progress ?? 'auto';
  if (!['auto', 'plain', 'tty', 'json'].includes(progress)) throw new UsageError(`--progress must be auto, plain, tty or json, not "${progress}"`);
  if (values.network && values.network !== 'none' && values.network !== 'default' && values.network !== 'host') throw new UsageError(`--network must be default, host or none`);
  const store = await openStore();
  const caller = callerOf(io);
  const useTty = progress === 'tty' || (progress === 'auto' && caller.stderrIsTTY);
  const view = values.quiet ? null : progress === 'json' ? { handle: (e: unknown) => io.out(JSON.stringify(e) + '\n') } : useTty ? new TtyProgress((s) => io.err(s), caller.columns) : new PlainProgress((s) => io.err(s));
  try {
    const result = await runBuild(store, {
      // Relative to where the command was typed, which is not this process's directory in an engine.
      contextDir: resolve(caller.cwd, positionals[0] as string),
      ...(values.file ? { dockerfile: values.file } : {}),
      tags: values.tag ?? [],
      buildArgs: keyValues(values['build-arg'], 'build-arg', caller.env),
      ...(values.target ? { target: values.target } : {}),
      noCache: !!values['no-cache'],
      noCacheFilter: values['no-cache-filter'] ?? [],
      secrets: (values.secret ?? []).map((s) => parseSecret(s, caller.cwd)),
      ...(values.network === 'none' ? { network: 'none' as const } : {}),
    }, { onStatus: (e) => view?.handle(e), signal: caller.signal });
    if (progress !== 'json') io.out(`${result.digest}\n`);
    return 0;
  } finally {
    caller.release();
  }
}

/** runCmd runs an image's command in the sandbox (strata run). */
export async function runCmd(args: string[], io: Out): Promise<number> {
  // Options end at the image name: what follows is the command, flags and all (docker run IMAGE CMD...).
  const valued = new Set(['-e', '--env', '-u', '--user', '-w', '--workdir', '--entrypoint', '--network']);
  let i = 0;
  while (i < args.length && (args[i] as string).startsWith('-')) i += valued.has((args[i] as string).split('=')[0] as string) && !(args[i] as string).includes('=') ? 2 : 1;
  const { values } = opts(args.slice(0, i), {
    env: { type: 'string', short: 'e', multiple: true },
    user: { type: 'string', short: 'u' },
    workdir: { type: 'string', short: 'w' },
    entrypoint: { type: 'string' },
    network: { type: 'string' },
    rm: { type: 'boolean' },
    interactive: { type: 'boolean', short: 'i' },
    tty: { type: 'boolean', short: 't' },
  });
  const [image, ...cmd] = args.slice(i);
  if (!image) throw new UsageError('"strata run" requires an image. See \'strata --help\'.');
  const { runImage } = await import('../build/run-image.ts');
  const store = await openStore();
  const caller = callerOf(io);
  try {
    const r = await runImage(store, image, {
      ...(cmd.length ? { cmd } : {}),
      ...(values.entrypoint !== undefined ? { entrypoint: values.entrypoint ? [values.entrypoint] : [] } : {}),
      env: values.env ?? [],
      ...(values.user ? { user: values.user } : {}),
      ...(values.workdir ? { workdir: values.workdir } : {}),
      network: values.network === 'none' ? 'none' : 'host',
      onOutput: (stream, line) => (stream === 'stdout' ? io.out(line + '\n') : io.err(line + '\n')),
      signal: caller.signal,
    });
    return r.exitCode;
  } finally {
    caller.release();
  }
}
