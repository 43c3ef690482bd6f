import { parseArgs, type ParseArgsConfig } from 'node:util';
import { shortDigest } from '../oci/digest.ts';
import { parseDockerRef } from '../oci/reference.ts';
import { load } from '../store/archive/load.ts';
import { saveDockerArchive, saveOciLayout } from '../store/archive/save.ts';
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';
import { Engine } from '../service/engine.ts';
import { StrataError } from '../util/errors.ts';
import { rendererDir } from '../util/paths.ts';
import { formatErrorPosition } from '../dockerfile/error-position.ts';
import { formatAgo, formatBytes, table } from './format.ts';
import { EXPLORE_USAGE, analyzeCmd, diffCmd } from './explore-commands.ts';
import { FSCK_USAGE, fsckCmd } from './fsck-command.ts';

const USAGE = `Usage: strata COMMAND

Commands:
  images [--json] [-q]          List images with their size, shared and unique bytes
  tag [--remote] SOURCE TARGET  Create a tag TARGET that refers to SOURCE (--remote: in the registry,
                                moving no layer)
  pull [--platform P] IMAGE     Pull an image from a registry
  push [--dry-run] [-t TAG]... [--chunk-size N] [--progress auto|plain|tty|json] IMAGE
                                Push an image (and extra tags) to its registry, with per-layer progress
  login [-u USER] [--password-stdin] REGISTRY
  logout REGISTRY
  rmi [-f] IMAGE...             Remove one or more images (a tag, or an image by digest)
  prune                         Remove untagged images and every blob no tag reaches
  inspect IMAGE...              Print manifest digest, manifest and config as JSON
  history [--no-trunc] IMAGE    Show the steps that made an image
  du [--json]                   Store totals: bytes on disk vs. the sum of image sizes
  save [-o FILE] [--format docker|oci] IMAGE...
                                Export images (docker-archive tar, or an OCI layout directory)
  load -i FILE|DIR              Import a docker-save tar, an OCI layout directory or tar
  build [-f FILE] [-t REF]... [--build-arg K=V]... [--target S] [--no-cache]
        [--no-cache-filter S]... [--secret id=ID,src=FILE]... [--network none]
        [--progress auto|plain|tty|json] [-q] CONTEXT
                                Build an image from a Dockerfile
  run [-e K=V]... [-u USER] [-w DIR] [--entrypoint CMD] [--network none] IMAGE [CMD...]
                                Run an image's command in the sandbox (exit code passed through)
${EXPLORE_USAGE}${FSCK_USAGE}
  ui [--port N]                 Serve the Strata UI in a browser (127.0.0.1 only)
  version                       Print the version

Environment: STRATA_HOME (store location, default ${defaultStrataHome()})
`;

class UsageError extends StrataError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

type Out = { out: (s: string) => void; err: (s: string) => void };

async function openEngine(mode: 'cli' | 'browser' = 'cli'): Promise<Engine> {
  return new Engine(await Store.open(defaultStrataHome()), mode);
}

function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new UsageError(`"strata ${what}" requires ${n === 1 ? 'an argument' : `${n} arguments`}. See 'strata --help'.`);
}

/** run executes one CLI invocation and returns its exit code (0 ok, 1 error, 2 usage). */
export async function run(argv: string[], io: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      case 'version':
      case '--version':
        io.out(`strata ${(await import('../service/engine.ts')).STRATA_VERSION}\n`);
        return 0;
      case 'images':
        return await images(rest, io);
      case 'tag': {
        const { values, positionals } = opts(rest, { remote: { type: 'boolean' } });
        need(positionals, 2, 'tag');
        if (values.remote) {
          const { remoteTag } = await import('../registry/index.ts');
          const r = await remoteTag(positionals[0] as string, positionals.slice(1));
          for (const ref of r.references) io.out(`${ref}@${r.digest}\n`);
          return 0;
        }
        const engine = await openEngine();
        await engine.tagImage({ source: positionals[0] as string, target: positionals[1] as string });
        return 0;
      }
      case 'rmi':
        return await rmi(rest, io);
      case 'prune': {
        const r = await (await openEngine()).pruneImages();
        for (const d of r.images) io.out(`Deleted: ${d}\n`);
        io.out(`Total reclaimed space: ${formatBytes(r.freedBytes)}\n`);
        return 0;
      }
      case 'inspect':
        return await inspect(rest, io);
      case 'history':
        return await history(rest, io);
      case 'du':
        return await du(rest, io);
      case 'save':
        return await save(rest, io);
      case 'load':
        return await loadCmd(rest, io);
      case 'ui':
        return await ui(rest, io);
      case 'build':
        return await buildCmd(rest, io);
      case 'run':
        return await runCmd(rest, io);
      case 'pull':
        return await pullCmd(rest, io);
      case 'push':
        return await pushCmd(rest, io);
      case 'login':
        return await loginCmd(rest, io);
      case 'logout':
        return await logoutCmd(rest, io);
      case 'analyze':
        return await analyzeCmd(rest, io);
      case 'diff':
        return await diffCmd(rest, io);
      case 'fsck':
        return await fsckCmd(rest, io);
      default:
        throw new UsageError(`unknown command "${cmd}". See 'strata --help'.`);
    }
  } catch (e) {
    if (e instanceof StrataError) {
      io.err(`Error: ${e.message}\n${formatErrorPosition(e.details)}`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    io.err(`Error: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

function opts<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function images(args: string[], io: Out): Promise<number> {
  const { values } = opts(args, { json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, digests: { type: 'boolean' } });
  const list = await (await openEngine()).listImages();
  if (values.json) {
    const rows = list.flatMap((img) =>
      (img.references.length ? img.references : [null]).map((reference) => ({
        reference,
        familiarReference: reference ? parseDockerRef(reference).familiarString() : null,
        digest: img.digest,
        id: img.configDigest,
        size: img.size,
        sharedSize: img.sharedSize,
        uniqueSize: img.uniqueSize,
        created: img.created,
        layers: img.layerCount,
        platform: `${img.os}/${img.architecture}`,
      })),
    );
    io.out(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  if (values.quiet) {
    io.out([...new Set(list.map((i) => shortDigest(i.configDigest)))].join('\n') + (list.length ? '\n' : ''));
    return 0;
  }
  const rows: string[][] = [];
  for (const img of list) {
    const names = img.references.length ? img.references.map((r) => parseDockerRef(r)) : [null];
    for (const ref of names) {
      rows.push([
        ref ? ref.familiarName : '<none>',
        ref ? (ref.tag ?? '<none>') : '<none>',
        shortDigest(img.configDigest),
        shortDigest(img.digest),
        formatAgo(img.created),
        formatBytes(img.size),
        formatBytes(img.sharedSize),
        formatBytes(img.uniqueSize),
      ]);
    }
  }
  io.out(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'DIGEST', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE'], rows));
  return 0;
}

async function rmi(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { force: { type: 'boolean', short: 'f' } });
  need(positionals, 1, 'rmi');
  const engine = await openEngine();
  let code = 0;
  for (const ref of positionals) {
    try {
      const r = await engine.removeImage({ ref, force: !!values.force });
      for (const u of r.untagged) io.out(`Untagged: ${parseDockerRef(u).familiarString()}\n`);
      if (r.deleted) io.out(`Deleted: ${r.deleted}\n`);
    } catch (e) {
      io.err(`Error: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}

async function inspect(args: string[], io: Out): Promise<number> {
  const { positionals } = opts(args, {});
  need(positionals, 1, 'inspect');
  const engine = await openEngine();
  const out = [];
  for (const ref of positionals) {
    const img = await engine.store.resolve(ref);
    out.push({
      Id: img.manifest.config.digest,
      Digest: img.digest,
      RepoTags: img.references.map((r) => parseDockerRef(r).familiarString()),
      References: img.references,
      MediaType: img.manifestDoc.mediaType,
      Manifest: img.manifest,
      Config: img.configDoc.config,
    });
  }
  io.out(JSON.stringify(out, null, 2) + '\n');
  return 0;
}

async function history(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { 'no-trunc': { type: 'boolean' }, json: { type: 'boolean' } });
  need(positionals, 1, 'history');
  const detail = await (await openEngine()).inspectImage({ ref: positionals[0] as string });
  const steps = [...detail.history].reverse();
  if (values.json) {
    io.out(JSON.stringify(steps, null, 2) + '\n');
    return 0;
  }
  const trunc = (s: string) => (values['no-trunc'] || s.length <= 45 ? s : s.slice(0, 44) + '…');
  const rows = steps.map((h) => [h.layerDigest ? shortDigest(h.layerDigest) : '<missing>', formatAgo(h.created), trunc(h.createdBy.replace(/\s+/g, ' ')), formatBytes(h.size), h.comment ?? '']);
  io.out(table(['LAYER', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows));
  return 0;
}

async function du(args: string[], io: Out): Promise<number> {
  const { values } = opts(args, { json: { type: 'boolean' } });
  const u = await (await openEngine()).storeUsage();
  if (values.json) {
    io.out(JSON.stringify(u, null, 2) + '\n');
    return 0;
  }
  io.out(
    table(
      ['IMAGES', 'BLOBS', 'ON DISK', 'SUM OF IMAGE SIZES', 'SAVED BY SHARING', 'RECLAIMABLE'],
      [[String(u.images), String(u.blobs), formatBytes(u.onDisk), formatBytes(u.imagesTotal), formatBytes(u.savedBySharing), formatBytes(u.unreferencedBytes)]],
    ),
  );
  return 0;
}

async function save(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { output: { type: 'string', short: 'o' }, format: { type: 'string' } });
  need(positionals, 1, 'save');
  const format = values.format ?? 'docker';
  if (format !== 'docker' && format !== 'oci') throw new UsageError(`--format must be docker or oci, not "${format}"`);
  if (!values.output) throw new UsageError('strata save needs -o FILE (refusing to write an archive to a terminal)');
  const engine = await openEngine();
  if (format === 'oci') await saveOciLayout(engine.store, positionals, values.output);
  else await saveDockerArchive(engine.store, positionals, values.output);
  return 0;
}

async function loadCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' } });
  const input = values.input ?? positionals[0];
  if (!input) throw new UsageError('strata load needs -i FILE|DIR');
  const engine = await openEngine();
  const loaded = await load(engine.store, input);
  for (const l of loaded) {
    if (l.references.length) for (const r of l.references) io.out(`Loaded image: ${parseDockerRef(r).familiarString()}\n`);
    else io.out(`Loaded image ID: ${l.digest}\n`);
  }
  return 0;
}

async function ui(args: string[], io: Out): Promise<number> {
  const { values } = opts(args, { port: { type: 'string' } });
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const { startWebServer } = await import('../web/server.ts');
  const engine = await openEngine('browser');
  const web = await startWebServer(engine, { port, rendererDir: rendererDir() });
  io.out(`Strata UI (browser mode) at ${web.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await web.close();
  return 0;
}

function keyValues(list: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) {
      // docker: --build-arg NAME takes the value from the environment
      if (what === 'build-arg' && eq < 0 && process.env[kv] !== undefined) out[kv] = process.env[kv] as string;
      else if (eq < 0) continue;
      else throw new UsageError(`invalid --${what} "${kv}": expected KEY=VALUE`);
    } else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

function parseSecret(spec: string): { id: string; src: string } {
  const fields = Object.fromEntries(spec.split(',').map((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
  }));
  const id = fields.id;
  const src = fields.src ?? fields.source;
  if (!id || !src) throw new UsageError(`invalid --secret "${spec}": expected id=ID,src=FILE`);
  return { id, src };
}

async function buildCmd(args: string[], io: Out): Promise<number> {
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
  const { runBuild } = await import('../build/solver.ts');
  const { PlainProgress, TtyProgress } = await import('./build-progress.ts');
  const engine = await openEngine();
  const useTty = progress === 'tty' || (progress === 'auto' && process.stderr.isTTY);
  const view = values.quiet ? null : progress === 'json' ? { handle: (e: unknown) => io.out(JSON.stringify(e) + '\n') } : useTty ? new TtyProgress((s) => io.err(s)) : new PlainProgress((s) => io.err(s));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runBuild(engine.store, {
      contextDir: positionals[0] as string,
      ...(values.file ? { dockerfile: values.file } : {}),
      tags: values.tag ?? [],
      buildArgs: keyValues(values['build-arg'], 'build-arg'),
      ...(values.target ? { target: values.target } : {}),
      noCache: !!values['no-cache'],
      noCacheFilter: values['no-cache-filter'] ?? [],
      secrets: (values.secret ?? []).map(parseSecret),
      ...(values.network === 'none' ? { network: 'none' as const } : {}),
    }, { onStatus: (e) => view?.handle(e), signal: controller.signal });
    if (progress !== 'json') io.out(`${result.digest}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runCmd(args: string[], io: Out): Promise<number> {
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
  const engine = await openEngine();
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const r = await runImage(engine.store, image, {
      ...(cmd.length ? { cmd } : {}),
      ...(values.entrypoint !== undefined ? { entrypoint: values.entrypoint ? [values.entrypoint] : [] } : {}),
      env: values.env ?? [],
      ...(values.user ? { user: values.user } : {}),
      ...(values.workdir ? { workdir: values.workdir } : {}),
      network: values.network === 'none' ? 'none' : 'host',
      onOutput: (stream, line) => (stream === 'stdout' ? io.out(line + '\n') : io.err(line + '\n')),
      signal: controller.signal,
    });
    return r.exitCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function transferView(progress: string, io: Out) {
  if (!['auto', 'plain', 'tty', 'json'].includes(progress)) throw new UsageError(`--progress must be auto, plain, tty or json, not "${progress}"`);
  return import('./transfer-progress.ts').then(({ PlainTransfer, TtyTransfer }) =>
    progress === 'json'
      ? { handle: (events: unknown[]) => io.out(JSON.stringify(events) + '\n') }
      : progress === 'tty' || (progress === 'auto' && process.stderr.isTTY)
        ? new TtyTransfer((s) => io.err(s))
        : new PlainTransfer((s) => io.err(s)),
  );
}

async function pullCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { platform: { type: 'string' }, progress: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } });
  need(positionals, 1, 'pull');
  const { pull } = await import('../registry/index.ts');
  const view = values.quiet ? null : await transferView(values.progress ?? 'auto', io);
  const engine = await openEngine();
  const r = await pull(engine.store, positionals[0] as string, { ...(values.platform ? { platform: values.platform } : {}), onProgress: (e) => view?.handle(e as never) });
  io.out(`Digest: ${r.digest}\n${r.reference}\n`);
  return 0;
}

async function pushCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, {
    'dry-run': { type: 'boolean' },
    tag: { type: 'string', short: 't', multiple: true },
    'chunk-size': { type: 'string' },
    progress: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  need(positionals, 1, 'push');
  const { push, planPush } = await import('../registry/index.ts');
  const engine = await openEngine();
  const ref = positionals[0] as string;
  const chunk = values['chunk-size'] ? Number(values['chunk-size']) : undefined;
  if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 1)) throw new UsageError(`--chunk-size must be a number of bytes, not "${values['chunk-size']}"`);
  const common = { ...(values.tag ? { tags: values.tag } : {}), ...(chunk ? { chunkSize: chunk } : {}) };
  if (values['dry-run']) {
    const plan = await planPush(engine.store, ref, common);
    if (values.progress === 'json') {
      io.out(JSON.stringify(plan, null, 2) + '\n');
      return 0;
    }
    const rows = plan.blobs.map((b) => [b.digest.slice(7, 19), b.role, formatBytes(b.size), b.action === 'mount' ? `mount from ${b.from}` : b.action]);
    io.out(table(['BLOB', 'ROLE', 'SIZE', 'ACTION'], rows));
    io.out(`${plan.references.join(', ')}: ${formatBytes(plan.bytesToUpload)} to upload of ${formatBytes(plan.bytesTotal)}\n`);
    return 0;
  }
  const view = values.quiet ? null : await transferView(values.progress ?? 'auto', io);
  const r = await push(engine.store, ref, { ...common, onProgress: (e) => view?.handle(e as never) });
  for (const p of r.references) io.out(`${p}: digest: ${r.digest} size: ${r.size}\n`);
  return 0;
}

async function readPassword(io: Out, prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('no password given: use --password-stdin, or run in a terminal to be asked');
  io.err(prompt);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: undefined, terminal: true });
  return new Promise((resolve) => rl.question('', (answer) => {
    rl.close();
    io.err('\n');
    resolve(answer);
  }));
}

async function loginCmd(args: string[], io: Out): Promise<number> {
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
  const { login } = await import('../registry/index.ts');
  const r = await login(registry, values.username, password);
  io.out(`Login Succeeded (${r.registry})\n`);
  return 0;
}

async function logoutCmd(args: string[], io: Out): Promise<number> {
  const { positionals } = opts(args, {});
  const { logout } = await import('../registry/index.ts');
  const r = await logout(positionals[0] ?? 'docker.io');
  io.out(r.removed ? `Removing login credentials for ${r.registry}\n` : `Not logged in to ${r.registry}\n`);
  return 0;
}
