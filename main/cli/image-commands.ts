// The image commands: list, tag, remove, prune, inspect, history and usage.
import { shortDigest } from '../oci/digest.ts';
import { parseDockerRef } from '../oci/reference.ts';
import { opts, need, type Out } from './args.ts';
import { formatAgo, formatBytes, table } from './format.ts';
import { openEngine } from './open-engine.ts';
import { openStore } from './open-store.ts';

/** images lists images with their size, shared and unique bytes (strata images). */
export async function images(args: string[], io: Out): Promise<number> {
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

/** tag creates a local tag, or with --remote one in the registry (strata tag). */
export async function tag(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { remote: { type: 'boolean' } });
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

/** prune removes untagged images and unreachable blobs (strata prune). */
export async function prune(_args: string[], io: Out): Promise<number> {
  const r = await (await openEngine()).pruneImages();
  for (const d of r.images) io.out(`Deleted: ${d}\n`);
  io.out(`Total reclaimed space: ${formatBytes(r.freedBytes)}\n`);
  return 0;
}

/** rmi removes images (strata rmi). */
export async function rmi(args: string[], io: Out): Promise<number> {
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

/** inspect prints manifest digest, manifest and config as JSON (strata inspect). */
export async function inspect(args: string[], io: Out): Promise<number> {
  const { positionals } = opts(args, {});
  need(positionals, 1, 'inspect');
  const store = await openStore();
  const out = [];
  for (const ref of positionals) {
    const img = await store.resolve(ref);
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

/** history shows the steps that made an image (strata history). */
export async function history(args: string[], io: Out): Promise<number> {
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

/** du prints store totals (strata du). */
export async function du(args: string[], io: Out): Promise<number> {
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
