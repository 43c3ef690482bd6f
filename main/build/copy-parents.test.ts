import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyLayers } from './rootfs.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { runBuild } from './solver.ts';

/** files lists the regular files under dir/sub, relative to dir. */
function files(dir: string, sub: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(join(dir, sub));
  return out.sort();
}

describe('COPY --parents', () => {
  const t = tempDir();
  let store: Store;
  let n = 0;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, ['strata-test/busybox:1']);
  });
  after(() => t.cleanup());

  const tree = {
    'a/package.json': '{"a":1}\n',
    'a/index.js': 'a\n',
    'b/package.json': '{"b":1}\n',
    'b/deep/x.txt': 'x\n',
    'src/pkg/lib/one.txt': '1\n',
    'top.txt': 'top\n',
  };
  /** build builds the Dockerfile over the tree and returns the final filesystem's files under `under`. */
  async function build(dockerfile: string, under: string): Promise<string[]> {
    const ctx = writeTree(join(t.path, `ctx-${n}`), { ...tree, Dockerfile: dockerfile });
    const r = await runBuild(store, { contextDir: ctx });
    const img = await store.resolve(r.digest);
    const root = join(t.path, `root-${n++}`);
    await applyLayers(store, img.manifest.layers, root);
    return files(root, under);
  }

  test('a wildcard keeps each match\'s directories', async () => {
    assert.deepEqual(await build('FROM strata-test/busybox:1\nCOPY --parents */package.json /app/\n', 'app'), ['app/a/package.json', 'app/b/package.json']);
  });

  test('several sources, a file at the top and a directory (kept with its own name)', async () => {
    assert.deepEqual(await build('FROM strata-test/busybox:1\nCOPY --parents top.txt b/deep /app/\n', 'app'), ['app/b/deep/x.txt', 'app/top.txt']);
  });

  test('a /./ pivot drops the directories before it', async () => {
    assert.deepEqual(await build('FROM strata-test/busybox:1\nCOPY --parents ./src/./pkg/lib/one.txt /app/\n', 'app'), ['app/pkg/lib/one.txt']);
  });

  test('without --parents the same sources are flattened (and the cache key differs)', async () => {
    assert.deepEqual(await build('FROM strata-test/busybox:1\nCOPY */package.json /flat/\n', 'flat'), ['flat/package.json'], 'both land on one name');
  });

  test('COPY --from a stage with --parents', async () => {
    const df = 'FROM strata-test/busybox:1 AS src\nRUN mkdir -p /out/x/y && echo hi > /out/x/y/f.txt\nFROM strata-test/busybox:1\nCOPY --from=src --parents /out/x/y/f.txt /dst/\n';
    assert.deepEqual(await build(df, 'dst'), ['dst/out/x/y/f.txt']);
  });
});
