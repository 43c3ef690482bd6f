import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import type { Credential, CredentialEntry, CredentialSource, CredentialStore } from './credentials.ts';
import { normalizeRegistry } from './hosts.ts';

/** Cipher seals secrets at rest: the app passes Electron's safeStorage (the OS keychain's key). */
export interface Cipher {
  name: string;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

interface SealedFile {
  version: 1;
  cipher: string;
  entries: Record<string, { username: string; secret: string /* base64 of the sealed bytes */ }>;
}

/** SealedCredentialStore keeps Strata's own logins in a file whose secrets are encrypted with a Cipher, and
 * falls back to another store (docker's config and credential helpers) for registries it has no login for,
 * so an existing `docker login` keeps working. */
export class SealedCredentialStore implements CredentialStore {
  constructor(
    readonly file: string,
    private readonly cipher: Cipher,
    private readonly fallback: CredentialStore,
  ) {}

  private source(): CredentialSource {
    return { kind: 'custom', name: `Strata (encrypted with ${this.cipher.name})` };
  }

  private async read(): Promise<SealedFile> {
    try {
      const f = JSON.parse(await readFile(this.file, 'utf8')) as SealedFile;
      if (f.version === 1 && f.entries && typeof f.entries === 'object') return f;
    } catch {
      /* none yet, or unreadable: start empty */
    }
    return { version: 1, cipher: this.cipher.name, entries: {} };
  }

  async get(registry: string): Promise<Credential | null> {
    const key = normalizeRegistry(registry);
    const e = (await this.read()).entries[key];
    if (e) return { username: e.username, password: this.cipher.decrypt(Buffer.from(e.secret, 'base64')), source: this.source() };
    return this.fallback.get(registry);
  }

  async save(registry: string, username: string, secret: string): Promise<CredentialSource> {
    const f = await this.read();
    f.entries[normalizeRegistry(registry)] = { username, secret: this.cipher.encrypt(secret).toString('base64') };
    await writeFileAtomic(this.file, JSON.stringify(f, null, 2));
    return this.source();
  }

  async erase(registry: string): Promise<{ removed: boolean; source: CredentialSource | null }> {
    const key = normalizeRegistry(registry);
    const f = await this.read();
    if (f.entries[key]) {
      delete f.entries[key];
      await writeFileAtomic(this.file, JSON.stringify(f, null, 2));
      return { removed: true, source: this.source() };
    }
    return this.fallback.erase(registry);
  }

  async list(): Promise<CredentialEntry[]> {
    const own = Object.entries((await this.read()).entries).map(([registry, e]) => ({ registry, username: e.username, source: this.source() }));
    const others = (await this.fallback.list()).filter((c) => !own.some((o) => o.registry === c.registry));
    return [...own, ...others];
  }
}
