// A fault-injecting proxy between Strata and the real registry: dropped connections mid-upload, 500, 429
// and stalls. Pushes still complete with the same digests, and resume rather than restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { Store } from '../store/store.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../testing/registry/fault-proxy.ts';
import { makeBigImage } from '../testing/registry/images.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { tempDir } from '../testing/temp.ts';
import { RegistryClient, type RegistryOptions } from './client.ts';
import type { ProgressEvent } from './progress.ts';
import { pull } from './pull.ts';
import { push, type PushResult } from './push.ts';

const MiB = 1024 * 1024;
const CHUNK = 1 * MiB;
const opts: RegistryOptions = { credentials: null, retry: { attempts: 8, baseDelayMs: 20, maxDelayMs: 200 }, timeoutMs: 2500 };

describe('pushes and pulls through faults', () => {
  const t = tempDir('strata-faults-');
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let store: Store;
  let manifest: Digest;
  let big: Descriptor;
  let configSize: number;
  let repoN = 0;
  before(async () => {
    reg = await startRegistry(join(t.path, 'registry'));
    proxy = await startFaultProxy(reg.host);
    store = await Store.open(join(t.path, 'store'));
    const img = await makeBigImage(store, ['local/big:1'], 6 * MiB + 12345);
    configSize = img.configDescriptor.size;
    // The busybox layer goes first, so each test below uploads only the config and the big layer. The image
    // carries its layers uncompressed: what goes up (and what the tests follow) is the gzip form this first
    // push made, every later push of the image the same bytes.
    const first = await push(store, `${reg.host}/base/busybox:1`, { ...opts, source: 'local/big:1' });
    manifest = first.digest;
    const layers = first.blobs.filter((b) => b.role === 'layer');
    big = { mediaType: layers[1]!.mediaType, digest: layers[1]!.digest, size: layers[1]!.size };
  });
  after(async () => {
    await proxy.stop();
    await reg.stop();
    t.cleanup();
  });

  async function assertComplete(repo: string): Promise<void> {
    const client = new RegistryClient(reg.host, opts);
    assert.equal((await client.getManifest(repo, '1')).digest, manifest);
    assert.equal(await client.headBlob(repo, big.digest), big.size);
  }

  test('without faults the big layer goes up in 1 MiB chunks, each byte once', async () => {
    const { res, repo, patchBytes } = await pushWithBigUpload([]);
    assert.equal(res.blobs.find((b) => b.digest === big.digest)!.action, 'uploaded');
    const patches = proxy.log.filter((e) => e.method === 'PATCH');
    assert.equal(patches.length, Math.ceil(big.size / CHUNK) + 1);
    assert.equal(patchBytes, big.size + configSize);
    await assertComplete(repo);
  });

  test('without --chunk-size each blob goes up in one PATCH, each byte once', async () => {
    const { res, repo, patchBytes } = await pushWithBigUpload([], null);
    assert.equal(res.blobs.find((b) => b.digest === big.digest)!.action, 'uploaded');
    const patches = proxy.log.filter((e) => e.method === 'PATCH');
    assert.deepEqual(patches.map((e) => e.bodyBytes).sort((a, b) => a - b), [configSize, big.size]);
    assert.equal(patchBytes, big.size + configSize);
    await assertComplete(repo);
  });

  test('a registry that refuses the whole blob (413) gets it in chunks, with the reason in progress', async () => {
    const { res, repo, events } = await pushWithBigUpload([{ method: 'PATCH', minLength: 2 * MiB, action: { kind: 'status', status: 413, body: '<html>413 Request Entity Too Large</html>' } }], null);
    const blob = res.blobs.find((b) => b.digest === big.digest)!;
    assert.equal(blob.action, 'uploaded');
    assert.equal(blob.restarts, 0);
    const retries = events.filter((e) => e.kind === 'blob' && e.digest === big.digest && e.state === 'retrying');
    assert.equal(retries.length, 1);
    assert.match(String((retries[0] as { reason?: string }).reason), /413.*chunks/);
    await assertComplete(repo);
  });

  test('a connection dropped in the middle of a whole-blob PATCH: retried with the reason, the push completes', async () => {
    const { res, repo, events, patchBytes } = await pushWithBigUpload([{ method: 'PATCH', minLength: 2 * MiB, action: { kind: 'drop', afterBytes: 3 * MiB } }], null);
    const blob = res.blobs.find((b) => b.digest === big.digest)!;
    assert.equal(res.digest, manifest);
    assert.equal(blob.action, 'uploaded');
    assert.equal(blob.restarts, 0, 'the session is asked for its offset, not thrown away');
    assert.ok(patchBytes <= big.size + configSize + 3 * MiB, `${patchBytes} bytes sent`);
    const retry = events.find((e) => e.kind === 'blob' && e.digest === big.digest && e.state === 'retrying');
    assert.ok(retry && retry.kind === 'blob' && retry.state === 'retrying', 'a retrying event');
    assert.match(retry.reason, /dropped/);
    await assertComplete(repo);
  });

  test('OCI-Chunk-Min-Length raises the chunk size', async () => {
    const { res, repo } = await pushWithBigUpload([{ method: 'POST', path: /\/blobs\/uploads\/$/, times: 10, action: { kind: 'add-header', headers: { 'OCI-Chunk-Min-Length': String(2 * MiB) } } }]);
    assert.equal(res.blobs.find((b) => b.digest === big.digest)!.action, 'uploaded');
    const sizes = proxy.log.filter((e) => e.method === 'PATCH').map((e) => e.bodyBytes);
    assert.equal(sizes.filter((n) => n === 2 * MiB).length, Math.floor(big.size / (2 * MiB)));
    assert.ok(sizes.every((n) => n <= 2 * MiB));
    await assertComplete(repo);
  });

  const faultCases: { name: string; rules: FaultRule[]; maxExtra: number; retried: RegExp }[] = [
    {
      name: 'a connection dropped in the middle of the third chunk',
      rules: [{ method: 'PATCH', minLength: CHUNK, skip: 2, action: { kind: 'drop', afterBytes: CHUNK / 2 } }],
      maxExtra: CHUNK,
      retried: /dropped/,
    },
    {
      name: 'a 500 answer to a chunk',
      rules: [{ method: 'PATCH', minLength: CHUNK, skip: 3, action: { kind: 'status', status: 500 } }],
      maxExtra: CHUNK,
      retried: /HTTP 500/,
    },
    {
      name: 'a 429 with Retry-After on a chunk and on a HEAD',
      rules: [
        { method: 'HEAD', path: /\/blobs\//, action: { kind: 'status', status: 429, retryAfter: 1 } },
        { method: 'PATCH', minLength: CHUNK, skip: 1, action: { kind: 'status', status: 429, retryAfter: 1 } },
      ],
      maxExtra: CHUNK,
      retried: /rate limited/,
    },
    {
      name: 'a stalled chunk (no answer)',
      rules: [{ method: 'PATCH', minLength: CHUNK, skip: 4, action: { kind: 'stall' } }],
      maxExtra: CHUNK,
      retried: /stalled|timed out/,
    },
  ];
  for (const c of faultCases) {
    test(`${c.name}: the push completes with the same digests and resumes`, async () => {
      // Fresh blobs in a fresh repository need the big layer uploaded: start from a repository without it.
      const { res, events, repo, patchBytes } = await pushWithBigUpload(c.rules);
      const blob = res.blobs.find((b) => b.digest === big.digest)!;
      assert.equal(res.digest, manifest);
      assert.equal(blob.action, 'uploaded');
      assert.equal(blob.restarts, 0, 'resumed, not restarted');
      assert.ok(proxy.faults() >= 1, 'the fault fired');
      // Resumed: the registry got the blob once, plus at most the chunk in flight when the fault hit.
      // A restart would resend every chunk before the fault as well.
      assert.ok(patchBytes >= big.size + configSize, `${patchBytes} bytes sent`);
      assert.ok(patchBytes <= big.size + configSize + c.maxExtra, `${patchBytes} bytes sent, at most ${big.size + configSize + c.maxExtra}`);
      const retry = events.find((e) => e.kind === 'blob' && e.state === 'retrying');
      assert.ok(retry && retry.kind === 'blob' && retry.state === 'retrying', 'a retrying event');
      assert.match(retry.reason, c.retried);
      assert.ok(retry.attempt >= 2 && retry.at > 0);
      await assertComplete(repo);
    });
  }

  test('a connection cut after the registry took a chunk: the session is lost, the blob starts over and completes', async () => {
    const { res, repo } = await pushWithBigUpload([{ method: 'PATCH', minLength: CHUNK, skip: 2, action: { kind: 'drop-response' } }]);
    const blob = res.blobs.find((b) => b.digest === big.digest)!;
    assert.equal(res.digest, manifest);
    // distribution 2.8 cancels a session asked about with an outdated _state, so this one cannot resume.
    assert.equal(blob.restarts, 1);
    await assertComplete(repo);
  });

  test('a failed push leaves no tag behind', async () => {
    const repo = `faults/r${++repoN}`;
    proxy.log.splice(0);
    proxy.rules.splice(0, proxy.rules.length, { method: 'PATCH', minLength: CHUNK, times: 100, action: { kind: 'status', status: 500 } });
    await assert.rejects(
      push(store, `${proxy.host}/${repo}:1`, { ...opts, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 }, source: 'local/big:1', mount: false, chunkSize: CHUNK }),
      (e: Error & { code?: string }) => e.code === 'REGISTRY_ERROR' && /HTTP 500/.test(e.message),
    );
    assert.equal(proxy.log.filter((e) => e.method === 'PUT' && e.path.includes('/manifests/')).length, 0, 'no manifest was put');
    proxy.rules.splice(0);
    assert.equal(await new RegistryClient(reg.host, opts).headManifest(repo, '1'), null);
  });

  test('a pull whose connection is cut mid-layer resumes with a Range request', async () => {
    proxy.log.splice(0);
    proxy.rules.splice(0, proxy.rules.length, { method: 'GET', path: new RegExp(`/blobs/${big.digest}`), action: { kind: 'cut-response', afterBytes: 3 * MiB } });
    const dst = await Store.open(join(t.path, 'pulled'));
    const events: ProgressEvent[] = [];
    const res = await pull(dst, `${proxy.host}/base/busybox:1`, { ...opts, onProgress: (b) => events.push(...b) });
    assert.equal(res.digest, manifest);
    assert.equal(await dst.blobs.size(big.digest), big.size);
    const got = proxy.responseBytes('GET', new RegExp(`/blobs/${big.digest}`));
    // A restart would fetch the 3 MiB again; a resume only what was in flight when the socket was cut.
    assert.ok(got < big.size + 1 * MiB, `${got} bytes fetched for a ${big.size}-byte layer: resumed, not restarted`);
    assert.ok(events.some((e) => e.kind === 'blob' && e.state === 'retrying' && /connection lost/.test(e.reason)));
  });

  test('a stalled layer download times out and is retried', async () => {
    proxy.rules.splice(0, proxy.rules.length, { method: 'GET', path: new RegExp(`/blobs/${big.digest}`), action: { kind: 'stall' } });
    const dst = await Store.open(join(t.path, 'pulled-stall'));
    const res = await pull(dst, `${proxy.host}/base/busybox:1`, opts);
    assert.equal(res.digest, manifest);
    assert.equal(await dst.blobs.size(big.digest), big.size);
  });

  /** pushWithBigUpload pushes to a fresh repository holding only the busybox layer, so the big layer is uploaded under the rules. */
  test('a streamed upload (gzip while sending) dropped mid-way: the stored twin goes up the resumable way, the push completes', async () => {
    await makeBigImage(store, ['local/fresh:1'], 5 * MiB + 77);
    const repo = `faults/r${++repoN}`;
    proxy.log.splice(0);
    proxy.rules.splice(0, proxy.rules.length, { method: 'PATCH', chunked: true, action: { kind: 'drop', afterBytes: 2 * MiB } });
    const events: ProgressEvent[] = [];
    const res = await push(store, `${proxy.host}/${repo}:1`, { ...opts, source: 'local/fresh:1', onProgress: (b) => events.push(...b) });
    proxy.rules.splice(0);
    assert.equal(proxy.log.filter((e) => e.method === 'PATCH' && e.fault === 'drop').length, 1, 'the streamed PATCH was cut');
    const fresh = res.blobs.filter((b) => b.role === 'layer').sort((a, b) => b.size - a.size)[0]!;
    assert.equal(fresh.action, 'uploaded');
    assert.equal(fresh.restarts, 1);
    const retry = events.find((e) => e.kind === 'blob' && e.digest === fresh.digest && e.state === 'retrying');
    assert.ok(retry && retry.kind === 'blob' && retry.state === 'retrying');
    assert.match(retry.reason, /streamed upload failed/);
    const client = new RegistryClient(reg.host, opts);
    assert.equal((await client.getManifest(repo, '1')).digest, res.digest);
    assert.equal(await client.headBlob(repo, fresh.digest), fresh.size);
    // The twin was kept: pushing again finds everything there and sends nothing.
    const again = await push(store, `${proxy.host}/${repo}:1`, { ...opts, source: 'local/fresh:1' });
    assert.equal(again.digest, res.digest);
    assert.equal(again.bytesUploaded, 0);
  });

  async function pushWithBigUpload(rules: FaultRule[], chunkSize: number | null = CHUNK) {
    const repo = `faults/r${++repoN}`;
    const client = new RegistryClient(reg.host, opts);
    // Seed the repository with the busybox layer only (a mount from base/busybox).
    const busybox = (await store.resolve('local/big:1')).manifest.layers[0]!;
    await client.startUpload(repo, { mount: { digest: busybox.digest, from: 'base/busybox' } });
    proxy.log.splice(0);
    proxy.rules.splice(0, proxy.rules.length, ...rules);
    const events: ProgressEvent[] = [];
    const res = await push(store, `${proxy.host}/${repo}:1`, { ...opts, source: 'local/big:1', mount: false, ...(chunkSize !== null ? { chunkSize } : {}), onProgress: (b) => events.push(...b) });
    proxy.rules.splice(0);
    return { res, events, repo, patchBytes: proxy.bodyBytes('PATCH') };
  }
});
