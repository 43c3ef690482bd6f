// RUN --mount=type=secret,env=NAME (BuildKit's `env=`): the step sees the secret as a variable, and it reaches
// no image config, history, layer, cache record or status event (where the cache key and its reasons print).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { BuildStatusEvent } from '../../preload/contract.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { runBuild } from './solver.ts';

const BASE = 'strata-test/busybox:1';

/** filesHolding lists the files under dir whose bytes (gunzipped when gzip) contain value. */
function filesHolding(dir: string, value: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        let b = readFileSync(p);
        if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
        if (b.includes(value)) out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

describe('RUN --mount=type=secret,env=NAME', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
  });
  after(() => t.cleanup());

  test('the step sees the variable (and the file when a target is given); the image, cache and events never hold it', async () => {
    const value = `env-secret-${randomBytes(10).toString('hex')}`;
    const secret = join(t.path, 'token.txt');
    writeFileSync(secret, value);
    const ctx = writeTree(join(t.path, 'ctx'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'ENV VISIBLE=yes',
        'RUN --mount=type=secret,id=token,env=API_TOKEN,required=true test -n "$API_TOKEN" && test ! -e /run/secrets/token && printf %s "$API_TOKEN" | wc -c > /env-len.txt',
        'RUN --mount=type=secret,id=token,env=API_TOKEN,target=/etc/token test "$API_TOKEN" = "$(cat /etc/token)" && echo same > /both.txt',
        'RUN echo "later: [$API_TOKEN]" > /later.txt',
      ].join('\n'),
    });
    const events: BuildStatusEvent[] = [];
    const r = await runBuild(store, { contextDir: ctx, tags: ['secret-env:1'], secrets: [{ id: 'token', src: secret }] }, { onStatus: (e) => events.push(e) });
    const img = await store.resolve('secret-env:1');
    const root = join(t.path, 'root');
    const { applyLayers } = await import('./rootfs.ts');
    await applyLayers(store, img.manifest.layers, root);
    assert.equal(readFileSync(join(root, 'env-len.txt'), 'utf8').trim(), String(value.length), 'the step saw the variable (and no file: env= without a target is a variable only, as in BuildKit)');
    assert.equal(readFileSync(join(root, 'both.txt'), 'utf8').trim(), 'same', 'file and variable together');
    assert.equal(readFileSync(join(root, 'later.txt'), 'utf8').trim(), 'later: []', 'the variable is the one step\'s only');
    const config = Buffer.from(await store.blobs.read(img.manifest.config.digest)).toString('utf8');
    assert.ok(!config.includes(value), 'not in the image config or its history');
    assert.ok(!/"API_TOKEN=/.test(config), 'the variable is not in the config Env');
    assert.match(config, /VISIBLE=yes/);
    assert.ok(!JSON.stringify(events).includes(value), 'no status event (cache keys, miss reasons, logs) holds it');
    assert.ok(!JSON.stringify(r).includes(value), 'nor does the build result');
    assert.deepEqual(filesHolding(join(t.path, 'home'), value), [], 'no blob, layer (gunzipped), cache record or temp file holds it');
    // A rebuild with the same secret is a cache hit: the key did not depend on the value.
    const again: BuildStatusEvent[] = [];
    await runBuild(store, { contextDir: ctx, tags: ['secret-env:1'], secrets: [{ id: 'token', src: secret }] }, { onStatus: (e) => again.push(e) });
    const last = new Map<string, string>();
    for (const e of again) for (const s of e.steps ?? []) last.set(s.id, s.status);
    assert.ok([...last.values()].filter((s) => s === 'cached').length >= 3, JSON.stringify([...last]));
  });
});
