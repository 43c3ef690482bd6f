import { createHash } from 'node:crypto';
import { StrataError } from '../util/errors.ts';

/** A validated content digest, `algorithm:hex` (OCI image-spec descriptor.md#digests). */
export type Digest = string & { readonly __brand: 'Digest' };

export class InvalidDigestError extends StrataError {
  constructor(input: string, why: string) {
    super('INVALID_DIGEST', `invalid digest "${input}": ${why}`, { input });
  }
}

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** parseDigest validates `algorithm:encoded`; sha256 and sha512 must be lowercase hex of the right length. */
export function parseDigest(input: string): Digest {
  const m = DIGEST_RE.exec(input);
  if (!m) throw new InvalidDigestError(input, 'expected algorithm:encoded');
  const [, alg, hex] = m as unknown as [string, string, string];
  const len = HEX_LENGTH[alg];
  if (len === undefined) throw new InvalidDigestError(input, `unsupported algorithm "${alg}"`);
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw new InvalidDigestError(input, `${alg} needs ${len} lowercase hex characters`);
  }
  return input as Digest;
}

/** isDigest says whether input is a valid sha256/sha512 digest. */
export function isDigest(input: string): input is Digest {
  try {
    parseDigest(input);
    return true;
  } catch {
    return false;
  }
}

/** sha256Digest hashes bytes into a sha256 digest. */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** digestAlgorithm and digestHex split a digest into its parts. */
export function digestAlgorithm(d: Digest): string {
  return d.slice(0, d.indexOf(':'));
}
export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** shortDigest is the 12-character form docker prints (`sha256:` dropped). */
export function shortDigest(d: string): string {
  return d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);
}

/** digestVerifier hashes a stream of chunks with the digest's algorithm and checks the result. */
export function createDigester(algorithm = 'sha256') {
  const h = createHash(algorithm);
  return {
    update(chunk: Uint8Array) {
      h.update(chunk);
    },
    digest(): Digest {
      return `${algorithm}:${h.digest('hex')}` as Digest;
    },
  };
}
