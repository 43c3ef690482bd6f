// The registry commands: pull, push, login and logout (the registry client loads only with them).
import { createInterface } from 'node:readline';
import { callerOf, opts, need, UsageError, type Out } from './args.ts';
import { formatBytes, table } from './format.ts';
import { login, logout, planPush, pull, push } from '../registry/index.ts';
import { openStore } from './open-store.ts';
import { PlainTransfer, TtyTransfer } from './transfer-progress.ts';

function transferView(progress: string, io: Out, caller: { stderrIsTTY: boolean; columns?: number }) {
  if (!['auto', 'plain', 'tty', 'json'].includes(progress)) throw new UsageError(`--progress must be auto, plain, tty or json, not "${progress}"`);
  return progress === 'json'
    ? { handle: (events: unknown[]) => io.out(JSON.stringify(events) + '\n') }
    : progress === 'tty' || (progress === 'auto' && caller.stderrIsTTY)
      ? new TtyTransfer((s) => io.err(s), caller.columns)
      : new PlainTransfer((s) => io.err(s));
}

/** pullCmd pulls an image from a registry (strata pull). */
export async function pullCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { platform: { type: 'string' }, progress: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } });
  need(positionals, 1, 'pull');
  const caller = callerOf(io, { trapSignals: false });
  try {
    const view = values.quiet ? null : transferView(values.progress ?? 'auto', io, caller);
    const store = await openStore();
    const r = await pull(store, positionals[0] as string, { ...(values.platform ? { platform: values.platform } : {}), onProgress: (e) => view?.handle(e as never), signal: caller.signal });
    io.out(`Digest: ${r.digest}\n${r.reference}\n`);
    return 0;
  } finally {
    caller.release();
  }
}

/** pushCmd pushes an image and extra tags to its registry (strata push). */
export async function pushCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, {
    'dry-run': { type: 'boolean' },
    tag: { type: 'string', short: 't', multiple: true },
    'chunk-size': { type: 'string' },
    progress: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  need(positionals, 1, 'push');
  const store = await openStore();
  const ref = positionals[0] as string;
  const chunk = values['chunk-size'] ? Number(values['chunk-size']) : undefined;
  if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 1)) throw new UsageError(`--chunk-size must be a number of bytes, not "${values['chunk-size']}"`);
  const common = { ...(values.tag ? { tags: values.tag } : {}), ...(chunk ? { chunkSize: chunk } : {}) };
  if (values['dry-run']) {
    const plan = await planPush(store, ref, common);
    if (values.progress === 'json') {
      io.out(JSON.stringify(plan, null, 2) + '\n');
      return 0;
    }
    const rows = plan.blobs.map((b) => [b.digest.slice(7, 19), b.role, formatBytes(b.size), b.action === 'mount' ? `mount from ${b.from}` : b.action]);
    io.out(table(['BLOB', 'ROLE', 'SIZE', 'ACTION'], rows));
    io.out(`${plan.references.join(', ')}: ${formatBytes(plan.bytesToUpload)} to upload of ${formatBytes(plan.bytesTotal)}\n`);
    return 0;
  }
  const caller = callerOf(io, { trapSignals: false });
  try {
    const view = values.quiet ? null : transferView(values.progress ?? 'auto', io, caller);
    const r = await push(store, ref, { ...common, onProgress: (e) => view?.handle(e as never), signal: caller.signal });
    for (const p of r.references) io.out(`${p}: digest: ${r.digest} size: ${r.size}\n`);
    return 0;
  } finally {
    caller.release();
  }
}

async function readPassword(io: Out, prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('no password given: use --password-stdin, or run in a terminal to be asked');
  io.err(prompt);
  const rl = createInterface({ input: process.stdin, output: undefined, terminal: true });
  return new Promise((resolve) => rl.question('', (answer) => {
    rl.close();
    io.err('\n');
    resolve(answer);
  }));
}

/** loginCmd stores credentials for a registry (strata login). */
export async function loginCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { username: { type: 'string', short: 'u' }, 'password-stdin': { type: 'boolean' }, password: { type: 'string', short: 'p' } });
  const registry = positionals[0] ?? 'docker.io';
  if (!values.username) throw new UsageError('strata login needs -u USER');
  let password = values.password;
  if (password) io.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  if (values['password-stdin']) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  password ??= await readPassword(io, 'Password: ');
  const r = await login(registry, values.username, password);
  io.out(`Login Succeeded (${r.registry})\n`);
  return 0;
}

/** logoutCmd removes the credentials of a registry (strata logout). */
export async function logoutCmd(args: string[], io: Out): Promise<number> {
  const { positionals } = opts(args, {});
  const r = await logout(positionals[0] ?? 'docker.io');
  io.out(r.removed ? `Removing login credentials for ${r.registry}\n` : `Not logged in to ${r.registry}\n`);
  return 0;
}
