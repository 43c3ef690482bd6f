// Tar archives built byte by byte, so hostile inputs can carry what no well-behaved packer writes: `..`
// names, absolute names, lying sizes, base-256 size fields, bad checksums, giant pax and GNU long headers.

export interface RawEntry {
  name: string;
  /** typeflag: '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' directory, '6' fifo… */
  type?: string;
  body?: Buffer | string;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** size written in the header instead of the body's length (a lie). */
  size?: number;
  /** raw 12 bytes for the size field (base-256 encodings). */
  sizeField?: Buffer;
  badChecksum?: boolean;
  /** pax extended header records written just before this entry. */
  pax?: Record<string, string>;
  /** a GNU long-name ('L') header written just before this entry. */
  gnuLongName?: string;
  gnuLongLink?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: { name: string; type: string; size: number; mode: number; uid: number; gid: number; linkname: string; devmajor: number; devminor: number; sizeField?: Buffer; badChecksum?: boolean }): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name.slice(0, 100), 0, 'utf8');
  h.write(octal(e.mode, 8), 100, 'latin1');
  h.write(octal(e.uid, 8), 108, 'latin1');
  h.write(octal(e.gid, 8), 116, 'latin1');
  if (e.sizeField) e.sizeField.copy(h, 124, 0, 12);
  else h.write(octal(e.size, 12), 124, 'latin1');
  h.write(octal(0, 12), 136, 'latin1');
  h.write(e.type, 156, 'latin1');
  h.write(e.linkname.slice(0, 100), 157, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  h.write(octal(e.devmajor, 8), 329, 'latin1');
  h.write(octal(e.devminor, 8), 337, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (e.badChecksum) sum += 1;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function pad(body: Buffer): Buffer[] {
  const rest = body.length % 512;
  return rest ? [body, Buffer.alloc(512 - rest)] : [body];
}

/** paxBody encodes pax records ("LEN key=value\n", LEN counting itself). */
export function paxBody(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    const restLen = Buffer.byteLength(rest);
    let len = restLen + 1;
    while (String(len).length + restLen !== len) len = String(len).length + restLen;
    parts.push(Buffer.from(`${len}${rest}`));
  }
  return Buffer.concat(parts);
}

/** rawTar packs entries (and, unless end is false, the two zero blocks that end an archive). */
export function rawTar(entries: RawEntry[], opts: { end?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  const plain = { mode: 0o644, uid: 0, gid: 0, linkname: '', devmajor: 0, devminor: 0 };
  for (const e of entries) {
    if (e.pax) {
      const body = paxBody(e.pax);
      out.push(header({ ...plain, name: 'PaxHeaders/x', type: 'x', size: body.length }), ...pad(body));
    }
    if (e.gnuLongName !== undefined) {
      const body = Buffer.from(e.gnuLongName + '\0');
      out.push(header({ ...plain, name: '././@LongLink', type: 'L', size: body.length }), ...pad(body));
    }
    if (e.gnuLongLink !== undefined) {
      const body = Buffer.from(e.gnuLongLink + '\0');
      out.push(header({ ...plain, name: '././@LongLink', type: 'K', size: body.length }), ...pad(body));
    }
    const type = e.type ?? '0';
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const dflt = type === '5' ? 0o755 : type === '2' ? 0o777 : 0o644;
    out.push(
      header({
        name: e.name,
        type,
        size: e.size ?? body.length,
        mode: e.mode ?? dflt,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        linkname: e.linkname ?? '',
        devmajor: e.devmajor ?? 0,
        devminor: e.devminor ?? 0,
        ...(e.sizeField ? { sizeField: e.sizeField } : {}),
        ...(e.badChecksum ? { badChecksum: true } : {}),
      }),
    );
    if (body.length) out.push(...pad(body));
  }
  if (opts.end !== false) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** base256 encodes a 12-byte tar numeric field in GNU base-256 (high bit set); negative values too. */
export function base256(value: bigint): Buffer {
  const b = Buffer.alloc(12);
  let v = value < 0n ? (1n << 95n) + value : value;
  for (let i = 11; i >= 1; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  b[0] = value < 0n ? 0xff : 0x80;
  return b;
}
