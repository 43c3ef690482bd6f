// A generator of big synthetic images (test and benchmark only): many files over several layers, with
// known waste, streamed into the store without ever holding a layer in memory.
import type { ImageConfig } from '../../oci/config.ts';
import { hostPlatform } from '../../oci/platform.ts';
import { writeImage } from '../../store/image-writer.ts';
import { writeLayer } from '../../store/layer-writer.ts';
import type { Store } from '../../store/store.ts';

export interface BigImageSpec {
  /** Files over all layers (before deletions). */
  files: number;
  /** Approximate bytes of file content over all layers. */
  bytes: number;
  /** Layers (at least 2: the top one deletes and overwrites some of the ones below). */
  layers: number;
  compression?: 'gzip' | 'none';
  /** Files per directory (default 100). */
  perDir?: number;
}

export interface BigImageStats {
  digest: string;
  /** Files in the final image, and file bytes over all layers (every copy). */
  finalFiles: number;
  totalBytes: number;
  /** Bytes the top layer deletes (a directory of layer 0) or overwrites (files of layer 1). */
  wastedBytes: number;
  /** Entries per layer (files, directories, whiteouts). */
  entries: number[];
}

/** ustarHeader writes a POSIX ustar header (names up to 255 bytes through the prefix field). */
function ustarHeader(name: string, type: '0' | '5', size: number, mode: number): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 154);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const oct = (v: number, len: number) => v.toString(8).padStart(len - 1, '0') + '\0';
  h.write(base, 0, 100, 'utf8');
  h.write(oct(mode, 8), 100, 'latin1');
  h.write(oct(0, 8), 108, 'latin1');
  h.write(oct(0, 8), 116, 'latin1');
  h.write(oct(size, 12), 124, 'latin1');
  h.write(oct(0, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

const FILLER = Buffer.alloc(1 << 20, 'strata big image filler. ');

/** sizeOf gives file i a size between avg/2 and 3·avg/2, the same every run. */
function sizeOf(i: number, avg: number): number {
  const x = Math.imul(i + 1, 2654435761) >>> 0;
  return Math.max(1, Math.floor(avg / 2 + (x % Math.max(1, avg))));
}

interface Plan {
  dirs: string[];
  files: { path: string; size: number; salt: string }[];
  whiteouts: string[];
}

async function* tarOf(plan: Plan): AsyncGenerator<Buffer> {
  for (const d of plan.dirs) yield ustarHeader(d + '/', '5', 0, 0o755);
  for (const w of plan.whiteouts) {
    const i = w.lastIndexOf('/');
    yield ustarHeader(`${w.slice(0, i + 1)}.wh.${w.slice(i + 1)}`, '0', 0, 0o644);
  }
  const pad = Buffer.alloc(512);
  for (const f of plan.files) {
    const head = Buffer.from(`${f.path} ${f.salt}\n`);
    const body = head.byteLength >= f.size ? head.subarray(0, f.size) : Buffer.concat([head, FILLER.subarray(0, f.size - head.byteLength)]);
    yield Buffer.concat([ustarHeader(f.path, '0', f.size, 0o644), body, pad.subarray(0, (512 - (f.size % 512)) % 512)]);
  }
  yield Buffer.alloc(1024);
}

/** makeBigImage stores an image of spec.files files and about spec.bytes bytes over spec.layers layers:
 * layer k holds its own directories (usr/share/lK/dNNNN/fNNN.dat); the top layer also deletes the first
 * directory of layer 0 and overwrites the first directory's files of layer 1 (so the waste is known). */
export async function makeBigImage(store: Store, ref: string, spec: BigImageSpec): Promise<BigImageStats> {
  const perDir = spec.perDir ?? 100;
  const avg = Math.max(1, Math.floor(spec.bytes / spec.files));
  const L = Math.max(2, spec.layers);
  const perLayer = Math.ceil(spec.files / L);
  const plans: Plan[] = [];
  let n = 0;
  for (let k = 0; k < L; k++) {
    const plan: Plan = { dirs: ['usr', 'usr/share', `usr/share/l${k}`], files: [], whiteouts: [] };
    const count = Math.min(perLayer, spec.files - n);
    for (let j = 0; j < count; j++, n++) {
      const dir = `usr/share/l${k}/d${String(Math.floor(j / perDir)).padStart(4, '0')}`;
      if (j % perDir === 0) plan.dirs.push(dir);
      plan.files.push({ path: `${dir}/f${String(j % perDir).padStart(3, '0')}.dat`, size: sizeOf(n, avg), salt: 'v1' });
    }
    plans.push(plan);
  }
  const top = plans[L - 1] as Plan;
  const deletedDir = 'usr/share/l0/d0000';
  top.whiteouts.push(deletedDir);
  let wastedBytes = 0;
  for (const f of (plans[0] as Plan).files) if (f.path.startsWith(deletedDir + '/')) wastedBytes += f.size;
  const overwrite = (plans[1] as Plan).files.filter((f) => f.path.startsWith('usr/share/l1/d0000/'));
  if (L - 1 !== 1) {
    top.dirs.push('usr/share/l1', 'usr/share/l1/d0000');
    for (const f of overwrite) {
      wastedBytes += f.size;
      top.files.push({ path: f.path, size: f.size, salt: 'v2' });
    }
  }
  const layers = [];
  for (const plan of plans) layers.push(await writeLayer(store, tarOf(plan), { compression: spec.compression ?? 'none', level: 1 }));
  const totalBytes = plans.reduce((s, p) => s + p.files.reduce((t, f) => t + f.size, 0), 0);
  const deletedFiles = (plans[0] as Plan).files.filter((f) => f.path.startsWith(deletedDir + '/')).length;
  const finalFiles = plans.reduce((s, p) => s + p.files.length, 0) - deletedFiles - (L - 1 !== 1 ? overwrite.length : 0);
  const config: ImageConfig = {
    created: '1970-01-01T00:00:00Z',
    architecture: hostPlatform().architecture,
    os: 'linux',
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: plans.map((_, k) => ({ created: '1970-01-01T00:00:00Z', created_by: k === 0 ? 'ADD big-rootfs.tar /' : `RUN /bin/sh -c generate layer ${k}`, ...(k > 0 ? { comment: `Dockerfile:${k + 1}` } : {}) })),
  };
  const { descriptor } = await writeImage(store, config, layers.map((l) => l.descriptor), [ref]);
  return { digest: descriptor.digest, finalFiles, totalBytes, wastedBytes, entries: plans.map((p) => p.dirs.length + p.whiteouts.length + p.files.length) };
}
