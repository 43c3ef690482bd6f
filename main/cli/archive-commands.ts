// strata save and strata load: docker archives and OCI layouts in and out of the store.
import { parseDockerRef } from '../oci/reference.ts';
import { load } from '../store/archive/load.ts';
import { saveDockerArchive, saveOciLayout } from '../store/archive/save.ts';
import { opts, need, UsageError, type Out } from './args.ts';
import { openStore } from './open-store.ts';

/** save exports images as a docker archive or an OCI layout (strata save). */
export async function save(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { output: { type: 'string', short: 'o' }, format: { type: 'string' } });
  need(positionals, 1, 'save');
  const format = values.format ?? 'docker';
  if (format !== 'docker' && format !== 'oci') throw new UsageError(`--format must be docker or oci, not "${format}"`);
  if (!values.output) throw new UsageError('strata save needs -o FILE (refusing to write an archive to a terminal)');
  const store = await openStore();
  if (format === 'oci') await saveOciLayout(store, positionals, values.output);
  else await saveDockerArchive(store, positionals, values.output);
  return 0;
}

/** loadCmd imports a docker-save tar or an OCI layout (strata load). */
export async function loadCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' } });
  const input = values.input ?? positionals[0];
  if (!input) throw new UsageError('strata load needs -i FILE|DIR');
  const store = await openStore();
  const loaded = await load(store, input);
  // Unpacked for builds now, as docker load extracts its layers: a build FROM it starts from a clone.
  const { unpackForBuilds } = await import('../build/rootfs.ts');
  await unpackForBuilds(store, loaded.map((l) => l.digest));
  for (const l of loaded) {
    if (l.references.length) for (const r of l.references) io.out(`Loaded image: ${parseDockerRef(r).familiarString()}\n`);
    else io.out(`Loaded image ID: ${l.digest}\n`);
  }
  return 0;
}
