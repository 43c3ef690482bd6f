// Interop with skopeo (containers/image) through the real registry: what Strata pushes skopeo reads with the
// same manifest digest; what skopeo pushes Strata pulls with the same config digest.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sha256Digest } from '../oci/digest.ts';
import { saveOciLayout } from '../store/archive/save.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { tempDir } from '../testing/temp.ts';
import type { RegistryOptions } from './client.ts';
import { pull } from './pull.ts';
import { push } from './push.ts';

const run = promisify(execFile);
const SKOPEO = '/usr/bin/skopeo';
const opts: RegistryOptions = { credentials: null };

describe('interop with skopeo', () => {
  const t = tempDir('strata-interop-');
  let reg: TestRegistry;
  let store: Store;
  const env = () => ({ ...process.env, HOME: t.path, XDG_RUNTIME_DIR: t.path, REGISTRY_AUTH_FILE: join(t.path, 'auth.json') });
  const skopeo = async (...args: string[]) => (await run(SKOPEO, ['--insecure-policy', ...args], { env: env(), maxBuffer: 64 << 20 })).stdout;
  before(async () => {
    reg = await startRegistry(join(t.path, 'registry'));
    store = await Store.open(join(t.path, 'store'));
    await makeBusyboxImage(store, ['local/app:1'], { extraLayer: { 'etc/motd': 'strata\n' } });
  });
  after(async () => {
    await reg.stop();
    t.cleanup();
  });

  test('skopeo inspects what Strata pushed with the digest of the store, and copies it out intact', async () => {
    const res = await push(store, `${reg.host}/strata/app:1`, { ...opts, source: 'local/app:1', chunkSize: 256 * 1024 });
    const img = await store.resolve('local/app:1');
    assert.equal(res.digest, img.digest);
    const info = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${reg.host}/strata/app:1`)) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, img.digest);
    assert.deepEqual(info.Layers, img.manifest.layers.map((l) => l.digest));
    const raw = await run(SKOPEO, ['--insecure-policy', 'inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/strata/app:1`], { env: env(), encoding: 'buffer' });
    assert.equal(sha256Digest(raw.stdout), img.digest);
    // skopeo verifies every blob digest on copy.
    const out = join(t.path, 'skopeo-out');
    await skopeo('copy', '--src-tls-verify=false', `docker://${reg.host}/strata/app:1`, `oci:${out}:1`);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]?.digest, img.digest);
  });

  test('Strata pulls what skopeo pushed from a `strata save --format oci` layout; the config digest matches', async () => {
    const layout = join(t.path, 'layout');
    await saveOciLayout(store, ['local/app:1'], layout);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${reg.host}/skopeo/app:1`);
    const dst = await Store.open(join(t.path, 'dst'));
    const res = await pull(dst, `${reg.host}/skopeo/app:1`, opts);
    const img = await store.resolve('local/app:1');
    assert.equal(res.config, img.manifest.config.digest);
    const pulled = await dst.resolve(`${reg.host}/skopeo/app:1`);
    assert.deepEqual(pulled.configDoc.config.rootfs.diff_ids, img.configDoc.config.rootfs.diff_ids);
    // skopeo keeps the OCI manifest as it is, so even the manifest digest survives the round trip.
    assert.equal(res.digest, img.digest);
  });
});
