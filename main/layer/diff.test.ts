import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { NO_CONFORMANCE, conformancePath } from '../util/conformance.ts';
import { applyLayer } from './apply.ts';
import { diffTrees, type Change } from './diff.ts';
import { applyOps, copyTree, readTar, tempDir, treeManifest, type FsOp } from './fstest.ts';
import { walkOverlayChanges } from './overlay.ts';
import { writeLayerTar } from './tar-writer.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function temp(): string {
  const t = tempDir();
  temps.push(t);
  return t;
}

/** diffApply is containerd's diffApplier: tar := Diff(base, changed); Apply(base, tar), streamed through a pipe. */
async function diffApply(base: string, changed: string, changes?: AsyncIterable<Change> | Change[]): Promise<void> {
  const pipe = new PassThrough();
  const writing = writeLayerTar(changed, changes ?? (await diffTrees(base, changed)), pipe);
  const applying = applyLayer(base, pipe);
  await Promise.all([writing, applying]);
}

const vectors = conformancePath('layer-diff', 'continuity-fssuite.json');

describe('continuity FSSuite through diff + apply (continuity-fssuite.json)', { skip: vectors ? false : NO_CONFORMANCE }, () => {
  const tests = vectors ? (JSON.parse(readFileSync(vectors, 'utf8')) as { tests: { name: string; steps: FsOp[][] }[] }).tests : [];
  for (const t of tests) {
    // Runs as root here (ownership is then reproduced); as another user every entry is owned by that user anyway.
    test(t.name, async (ctx) => {
      const base = temp();
      const expected = temp();
      for (const [i, ops] of t.steps.entries()) {
        await ctx.test(`step ${i}`, async () => {
          const changed = temp();
          copyTree(base, changed);
          await applyOps(changed, ops);
          await diffApply(base, changed);
          await applyOps(expected, ops);
          assert.deepEqual(treeManifest(base), treeManifest(expected));
        });
      }
    });
  }
});

describe('tree diff', () => {
  test('content is compared only when size and mtime cannot tell', async () => {
    const lower = temp();
    writeFileSync(join(lower, 'same'), 'aaaa');
    writeFileSync(join(lower, 'rewritten'), 'aaaa');
    for (const f of ['same', 'rewritten']) utimesSync(join(lower, f), 1_600_000_000, 1_600_000_000);
    const upper = temp();
    copyTree(lower, upper);
    // Same size, same whole-second mtime, different bytes: only the content shows the change.
    writeFileSync(join(upper, 'rewritten'), 'bbbb');
    utimesSync(join(upper, 'rewritten'), 1_600_000_000, 1_600_000_000);
    const changes = await diffTrees(lower, upper);
    assert.deepEqual(changes.map((c) => `${c.kind} ${c.path}`), ['modify rewritten']);
  });

  test('unchangedBefore trusts untouched files without reading them', async () => {
    const lower = temp();
    writeFileSync(join(lower, 'f'), 'aaaa');
    utimesSync(join(lower, 'f'), 1_600_000_000, 1_600_000_000);
    const upper = temp();
    copyTree(lower, upper);
    // Rewrite lower behind the diff's back: a content compare would see it, the ctime rule must not read it.
    writeFileSync(join(lower, 'f'), 'bbbb');
    utimesSync(join(lower, 'f'), 1_600_000_000, 1_600_000_000);
    const future = (BigInt(Date.now()) + 3_600_000n) * 1_000_000n; // an hour ahead, in ns
    assert.deepEqual(await diffTrees(lower, upper, { unchangedBefore: future }), []);
    assert.equal((await diffTrees(lower, upper)).length, 1);
  });

  test('a directory replaced by a file and a file by a directory', async () => {
    const lower = temp();
    mkdirSync(join(lower, 'a/sub'), { recursive: true });
    writeFileSync(join(lower, 'a/sub/f'), 'x');
    writeFileSync(join(lower, 'b'), 'file');
    const upper = temp();
    copyTree(lower, upper);
    rmSync(join(upper, 'a'), { recursive: true });
    writeFileSync(join(upper, 'a'), 'now a file');
    rmSync(join(upper, 'b'));
    mkdirSync(join(upper, 'b'));
    writeFileSync(join(upper, 'b/inside'), 'y');
    const changes = await diffTrees(lower, upper);
    assert.deepEqual(changes.map((c) => `${c.kind} ${c.path}`), ['modify a', 'modify b', 'add b/inside']);
    await diffApply(lower, upper);
    assert.deepEqual(treeManifest(lower), treeManifest(upper));
  });
});

describe('overlayfs upper directory as a change source', () => {
  // Needs root: a whiteout is a 0/0 character device, and mknod(2) of one is privileged.
  const root = process.getuid?.() === 0;
  test('0/0 character devices become whiteouts; opaque dirs (via isOpaque) get .wh..wh..opq', { skip: root ? false : 'needs root (mknod of the 0/0 whiteout device)' }, async () => {
    const lower = temp();
    mkdirSync(join(lower, 'etc'));
    writeFileSync(join(lower, 'etc/gone'), 'x');
    writeFileSync(join(lower, 'etc/kept'), 'x');
    mkdirSync(join(lower, 'var/cache'), { recursive: true });
    writeFileSync(join(lower, 'var/cache/old'), 'x');
    const upper = temp();
    mkdirSync(join(upper, 'etc'));
    assert.equal(spawnSync('mknod', [join(upper, 'etc/gone'), 'c', '0', '0']).status, 0);
    writeFileSync(join(upper, 'etc/new'), 'n');
    mkdirSync(join(upper, 'var/cache'), { recursive: true });
    writeFileSync(join(upper, 'var/cache/fresh'), 'f');
    const changes: Change[] = [];
    const opaque = join(upper, 'var/cache');
    for await (const c of walkOverlayChanges(upper, { lowerDirs: [lower], isOpaque: (abs) => abs === opaque })) changes.push(c);
    assert.deepEqual(
      changes.map((c) => `${c.kind} ${c.path}${c.kind !== 'delete' && c.opaque ? ' (opaque)' : ''}`),
      ['delete etc/gone', 'add etc/new', 'modify var/cache (opaque)', 'add var/cache/fresh'],
    );
    const pipe = new PassThrough();
    const [, entries] = await Promise.all([writeLayerTar(upper, changes, pipe), readTar(pipe)]);
    assert.deepEqual(
      entries.map((e) => e.header.name),
      ['etc/', 'etc/.wh.gone', 'etc/new', 'var/', 'var/cache/', 'var/cache/.wh..wh..opq', 'var/cache/fresh'],
    );
    // Applying the overlay diff onto the lower reproduces the merged view.
    const merged = temp();
    copyTree(lower, merged);
    await diffApply(merged, upper, changes);
    assert.deepEqual(
      treeManifest(merged).map((e) => e.path),
      ['etc', 'etc/kept', 'etc/new', 'var', 'var/cache', 'var/cache/fresh'],
    );
  });
});
