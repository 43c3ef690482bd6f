import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** TestCert is a self-signed certificate and its private key, as PEM files and text. */
export interface TestCert {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** makeCert creates a self-signed RSA certificate with openssl (Node cannot issue X.509 itself). */
export function makeCert(dir: string, name: string, opts: { cn?: string; san?: string } = {}): TestCert {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${opts.cn ?? name}`];
  if (opts.san) args.push('-addext', `subjectAltName=${opts.san}`);
  execFileSync('openssl', args, { stdio: 'ignore' });
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(data: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** libtrustKeyId is the key id docker/libtrust gives a public key (what the registry's token auth looks a
 * `kid` up by): SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, in 4-character groups. */
export function libtrustKeyId(certOrKeyPem: string): string {
  const der = createPublicKey(certOrKeyPem).export({ type: 'spki', format: 'der' });
  const b32 = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return b32.match(/.{1,4}/g)!.join(':');
}
