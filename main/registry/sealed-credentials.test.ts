import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { DockerConfigCredentials } from './credentials.ts';
import { SealedCredentialStore, type Cipher } from './sealed-credentials.ts';

const t = tempDir();
after(() => t.cleanup());

/** A stand-in for Electron's safeStorage with the same shape: AES-256-GCM under a key the test holds. */
function testCipher(): Cipher {
  const key = randomBytes(32);
  return {
    name: 'test-aes-gcm',
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(sealed) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

test('Strata\'s own logins are encrypted at rest; docker config logins still work through the fallback', async () => {
  const dockerConfig = join(t.path, 'config.json');
  writeFileSync(dockerConfig, JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('dora:explorer').toString('base64') } } }));
  const store = new SealedCredentialStore(join(t.path, 'credentials.json'), testCipher(), new DockerConfigCredentials({ configPath: dockerConfig }));
  const source = await store.save('ghcr.io', 'sam', 'super-secret-token');
  assert.equal(source.kind, 'custom');
  const onDisk = readFileSync(join(t.path, 'credentials.json'), 'utf8');
  assert.ok(!onDisk.includes('super-secret-token'), 'no plaintext on disk');
  assert.equal((await store.get('ghcr.io'))?.password, 'super-secret-token');
  assert.equal((await store.get('registry.example.com'))?.username, 'dora');
  assert.deepEqual((await store.list()).map((c) => [c.registry, c.username]).sort(), [['ghcr.io', 'sam'], ['registry.example.com', 'dora']]);
  assert.equal((await store.erase('ghcr.io')).removed, true);
  assert.equal(await store.get('ghcr.io'), null);
});
