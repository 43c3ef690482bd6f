import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { canonicalJson, stepKey } from './cache.ts';
import { BuildContext } from './context.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-ctx-'));
  mkdirSync(join(dir, 'src/sub'), { recursive: true });
  writeFileSync(join(dir, 'a.txt'), 'aaaa');
  writeFileSync(join(dir, 'src/b.txt'), 'bbbb');
  writeFileSync(join(dir, 'src/sub/c.txt'), 'cccc');
  symlinkSync('a.txt', join(dir, 'link'));
  return dir;
}

describe('BuildContext', () => {
  const dir = makeTree();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const spellings: [string, string][] = [
    ['absolute', dir],
    ['trailing slash', dir + '/'],
    ['dot segments', join(dir, 'src') + '/../'],
    ['relative', relative(process.cwd(), dir)],
  ];
  for (const [name, root] of spellings) {
    test(`entry paths are join(root, rel): ${name}`, async () => {
      const ctx = await BuildContext.open(root);
      assert.equal(ctx.size, 6);
      for (const e of ctx.walkUnder('')) assert.equal(e.abs, join(root, e.rel), e.rel);
    });
  }

  test('a rewritten file is hashed again; an unchanged one comes from the saved cache', async () => {
    const hashCachePath = join(dir, '..', `${relative(tmpdir(), dir)}-hashes.json`);
    try {
      const first = await BuildContext.open(dir, { hashCachePath });
      const files = await first.sourceFiles(first.get('src') as never);
      assert.deepEqual(files.map((f) => [f.rel, f.hash]), [['src', ''], ['src/b.txt', sha('bbbb')], ['src/sub', ''], ['src/sub/c.txt', sha('cccc')]]);
      await first.saveHashCache();
      const warm = await BuildContext.open(dir, { hashCachePath });
      await warm.sourceFiles(warm.get('src') as never);
      assert.equal(warm.hashedBytes, 0);
      writeFileSync(join(dir, 'src/b.txt'), 'BBBB'); // same size
      const touched = await BuildContext.open(dir, { hashCachePath });
      const again = await touched.sourceFiles(touched.get('src') as never);
      assert.equal(again.find((f) => f.rel === 'src/b.txt')?.hash, sha('BBBB'));
      assert.equal(touched.hashedBytes, 4);
      await touched.saveHashCache();
      const after = await BuildContext.open(dir, { hashCachePath });
      assert.equal((await after.fileHash(after.get('src/b.txt') as never)), sha('BBBB'));
      assert.equal(after.hashedBytes, 0);
    } finally {
      rmSync(hashCachePath, { force: true });
    }
  });

  test("a directory's file list is frozen and kept; step keys over it equal those over a plain copy", async () => {
    const ctx = await BuildContext.open(dir);
    const list = await ctx.sourceFiles(ctx.get('src') as never);
    assert.ok(Object.isFrozen(list) && list.every((f) => Object.isFrozen(f)));
    assert.equal(await ctx.sourceFiles(ctx.get('src') as never), list);
    const copy = list.map((f) => ({ ...f }));
    assert.equal(canonicalJson(list), canonicalJson(copy));
    for (const inputs of [
      { parentKey: 'sha256:ab', op: 'COPY src/ /app/' },
      { parentKey: 'sha256:cd', op: 'COPY src/ /app/ "files"', args: { A: '1' } },
    ]) {
      assert.equal(stepKey({ ...inputs, files: list }), stepKey({ ...inputs, files: copy }));
      assert.equal(stepKey({ ...inputs, files: list }), stepKey({ ...inputs, files: list }));
    }
  });

});
