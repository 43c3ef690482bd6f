import type { ImageConfig } from '../../oci/config.ts';
import { hostPlatform } from '../../oci/platform.ts';
import { writeImage } from '../../store/image-writer.ts';
import { writeLayer } from '../../store/layer-writer.ts';
import type { Store } from '../../store/store.ts';
import { packToBuffer, type TarEntry } from '../../util/tar-pack.ts';

const EPOCH = new Date(0);

/** Short forms of tar entries for hand-made layers. */
export const t = {
  file: (name: string, body: string | Buffer, mode = 0o644, uid = 0, gid = 0): TarEntry => ({ header: { name, type: 'file', mode, uid, gid, mtime: EPOCH }, body }),
  dir: (name: string, mode = 0o755, uid = 0, gid = 0): TarEntry => ({ header: { name: name.endsWith('/') ? name : name + '/', type: 'directory', mode, uid, gid, mtime: EPOCH } }),
  symlink: (name: string, target: string): TarEntry => ({ header: { name, type: 'symlink', linkname: target, mode: 0o777, uid: 0, gid: 0, mtime: EPOCH } }),
  hardlink: (name: string, target: string): TarEntry => ({ header: { name, type: 'link', linkname: target, mode: 0o644, uid: 0, gid: 0, mtime: EPOCH } }),
  whiteout: (path: string): TarEntry => {
    const i = path.lastIndexOf('/');
    return { header: { name: `${path.slice(0, i + 1)}.wh.${path.slice(i + 1)}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH }, body: '' };
  },
  opaque: (dir: string): TarEntry => ({ header: { name: `${dir.replace(/\/$/, '')}/.wh..wh..opq`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH }, body: '' }),
};

/** makeLayeredImage stores an image whose layers are the given entry lists (base first), each with a
 * history line (`created_by`, and `comment` as Strata writes `Dockerfile:LINE`). */
export async function makeLayeredImage(
  store: Store,
  refs: string[],
  layers: { entries: TarEntry[]; createdBy?: string; comment?: string }[],
  config: ImageConfig['config'] = { Cmd: ['sh'] },
  opts: { compression?: 'gzip' | 'none' } = {},
) {
  const written = [];
  for (const l of layers) written.push(await writeLayer(store, [await packToBuffer(l.entries)], { compression: opts.compression ?? 'gzip' }));
  const cfg: ImageConfig = {
    created: '1970-01-01T00:00:00Z',
    architecture: hostPlatform().architecture,
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: written.map((w) => w.diffID) },
    history: layers.map((l, i) => ({ created: '1970-01-01T00:00:00Z', created_by: l.createdBy ?? `layer ${i}`, ...(l.comment ? { comment: l.comment } : {}) })),
  };
  return writeImage(store, cfg, written.map((w) => w.descriptor), refs);
}
