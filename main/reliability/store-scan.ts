// Searching a directory tree (a store, a log dir) for secrets: every file's bytes, gunzipped when they are
// gzip (layers), tar or not. A planted secret found anywhere is a leak.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** needlesFor is a secret with the encodings it could leak in: plain, base64, and base64 of user:secret. */
export function needlesFor(secret: string, user?: string): string[] {
  const out = [secret, Buffer.from(secret).toString('base64').replace(/=+$/, '')];
  if (user) out.push(Buffer.from(`${user}:${secret}`).toString('base64').replace(/=+$/, ''));
  return out;
}

/** findIn reports which needles occur in text. */
export function findIn(text: string | Buffer, needles: string[]): string[] {
  const s = typeof text === 'string' ? text : text.toString('latin1');
  return needles.filter((n) => s.includes(n));
}

/** scanTree lists every file under root (and every gzip member) containing a needle, as `path: needle`. */
export function scanTree(root: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(p);
        } catch {
          continue;
        }
        for (const n of findIn(bytes, needles)) hits.push(`${p}: ${n}`);
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
          try {
            for (const n of findIn(gunzipSync(bytes, { maxOutputLength: 512 * 1024 * 1024 }), needles)) hits.push(`${p} (gunzipped): ${n}`);
          } catch {
            /* not really gzip */
          }
        }
      }
    }
  };
  walk(root);
  return hits;
}
