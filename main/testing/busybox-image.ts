import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { ImageConfig } from '../oci/config.ts';
import { hostPlatform } from '../oci/platform.ts';
import { writeImage } from '../store/image-writer.ts';
import { writeLayer } from '../store/layer-writer.ts';
import type { Store } from '../store/store.ts';
import { packToBuffer, type TarEntry } from '../util/tar-pack.ts';

/** BUSYBOX is the static busybox from Debian's busybox-static: a base image with no internet. */
export const BUSYBOX = '/bin/busybox';

const EPOCH = new Date(0);
const file = (name: string, body: string | Buffer, mode = 0o644): TarEntry => ({ header: { name, type: 'file', mode, uid: 0, gid: 0, mtime: EPOCH }, body });

/** busyboxApplets lists the applets the local busybox provides. */
export function busyboxApplets(): string[] {
  return execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
}

/** busyboxLayerTar packs a minimal root filesystem: /bin/busybox, one symlink per applet, /etc/passwd, /tmp. */
export function busyboxLayerTar(extraFiles: Record<string, string> = {}): Promise<Buffer> {
  const entries: TarEntry[] = [];
  for (const d of ['bin', 'etc', 'home', 'root', 'tmp', 'usr', 'usr/bin', 'var']) {
    entries.push({ header: { name: `${d}/`, type: 'directory', mode: d === 'tmp' ? 0o1777 : 0o755, uid: 0, gid: 0, mtime: EPOCH } });
  }
  entries.push(file('bin/busybox', readFileSync(BUSYBOX), statSync(BUSYBOX).mode & 0o7777));
  for (const a of busyboxApplets()) entries.push({ header: { name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mode: 0o777, uid: 0, gid: 0, mtime: EPOCH } });
  entries.push(file('etc/group', 'root:x:0:\nnogroup:x:65534:\n'));
  entries.push(file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n'));
  for (const [name, body] of Object.entries(extraFiles)) entries.push(file(name, body));
  return packToBuffer(entries);
}

/** makeBusyboxImage stores a busybox image (plus an optional second layer of files) tagged with refs; its
 * layers gzipped as a registry's are (default), or uncompressed as a build leaves them. */
export async function makeBusyboxImage(store: Store, refs: string[], opts: { extraFiles?: Record<string, string>; extraLayer?: Record<string, string>; created?: string; architecture?: string; compression?: 'gzip' | 'none' } = {}) {
  const created = opts.created ?? '1970-01-01T00:00:00Z';
  const compression = opts.compression ?? 'gzip';
  const layers = [await writeLayer(store, [await busyboxLayerTar(opts.extraFiles)], { compression })];
  const history: NonNullable<ImageConfig['history']> = [{ created, created_by: 'ADD busybox-static /bin/busybox # strata test base' }];
  if (opts.extraLayer) {
    layers.push(await writeLayer(store, [await packToBuffer(Object.entries(opts.extraLayer).map(([n, b]) => file(n, b)))], { compression }));
    history.push({ created, created_by: `COPY ${Object.keys(opts.extraLayer).join(' ')} /` });
  }
  history.push({ created, created_by: 'CMD ["sh"]', empty_layer: true });
  const config: ImageConfig = {
    created,
    architecture: opts.architecture ?? hostPlatform().architecture,
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history,
  };
  return writeImage(store, config, layers.map((l) => l.descriptor), refs);
}
