import { randomBytes } from 'node:crypto';
import type { ImageConfig } from '../../oci/config.ts';
import { hostPlatform } from '../../oci/platform.ts';
import { writeImage } from '../../store/image-writer.ts';
import { writeLayer } from '../../store/layer-writer.ts';
import type { Store } from '../../store/store.ts';
import { packToBuffer } from '../../util/tar-pack.ts';
import { busyboxLayerTar } from '../busybox-image.ts';

/** makeBigImage stores busybox plus one layer holding `bytes` of random data (incompressible, so the blob is
 * about that size: what chunking and resume tests need). The random layer is stored uncompressed. */
export async function makeBigImage(store: Store, refs: string[], bytes: number, opts: { architecture?: string; gzip?: boolean } = {}) {
  const base = await writeLayer(store, [await busyboxLayerTar()]);
  const tar = await packToBuffer([{ header: { name: 'data.bin', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) }, body: randomBytes(bytes) }]);
  const big = await writeLayer(store, [tar], { compression: opts.gzip ? 'gzip' : 'none', level: 1 });
  const created = '1970-01-01T00:00:00Z';
  const config: ImageConfig = {
    created,
    architecture: opts.architecture ?? hostPlatform().architecture,
    os: 'linux',
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [base.diffID, big.diffID] },
    history: [{ created, created_by: 'busybox' }, { created, created_by: 'random data' }],
  };
  return writeImage(store, config, [base.descriptor, big.descriptor], refs);
}

/** makeTinyImage stores an image of one small layer for another architecture (for index tests). */
export async function makeTinyImage(store: Store, refs: string[], architecture: string, text = architecture) {
  const tar = await packToBuffer([{ header: { name: 'arch.txt', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) }, body: text }]);
  const layer = await writeLayer(store, [tar]);
  const created = '1970-01-01T00:00:00Z';
  const config: ImageConfig = { created, architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffID] }, history: [{ created, created_by: text }] };
  return writeImage(store, config, [layer.descriptor], refs);
}
