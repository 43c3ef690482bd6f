import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { loadCachedCli } from './code-cache.ts';

const bundle = (answer: number) => `exports.run = async (argv) => ${answer} + argv.length + require('node:path').sep.length;\n`;

describe('loadCachedCli', () => {
  test('no bundle: null (the CLI runs from its ES modules)', () => {
    const t = tempDir();
    try {
      assert.equal(loadCachedCli(join(t.path, 'missing.cjs'), 'images'), null);
    } finally {
      t.cleanup();
    }
  });

  test('first start writes a cache for the command, the next start uses it and writes nothing', async () => {
    const t = tempDir();
    try {
      const file = join(t.path, 'commands.cjs');
      writeFileSync(file, bundle(40));
      const first = loadCachedCli(file, 'images')!;
      assert.equal(await first.cli.run(['a']), 42);
      first.done();
      const caches = readdirSync(join(t.path, 'v8-cache'));
      assert.equal(caches.length, 1);
      assert.match(caches[0]!, /^images-\d+-\d+\.bin$/);
      const second = loadCachedCli(file, 'images')!;
      assert.equal(await second.cli.run([]), 41);
      second.done();
      assert.deepEqual(readdirSync(join(t.path, 'v8-cache')), caches);
    } finally {
      t.cleanup();
    }
  });

  test('a rebuilt bundle of another size gets its own cache, never the old one', async () => {
    const t = tempDir();
    try {
      const file = join(t.path, 'commands.cjs');
      writeFileSync(file, bundle(1));
      loadCachedCli(file, 'push')!.done();
      writeFileSync(file, bundle(1000));
      const next = loadCachedCli(file, 'push')!;
      assert.equal(await next.cli.run([]), 1001);
      next.done();
      assert.equal(readdirSync(join(t.path, 'v8-cache')).length, 2);
    } finally {
      t.cleanup();
    }
  });

  test('a bundle that is not ASCII is read as UTF-8', async () => {
    const t = tempDir();
    try {
      const file = join(t.path, 'commands.cjs');
      writeFileSync(file, "exports.run = async () => '\u00e9'.length + 'é'.length;\n");
      assert.equal(await loadCachedCli(file, 'du')!.cli.run([]), 2);
    } finally {
      t.cleanup();
    }
  });

  test('a cache folder that cannot be written: the command still runs, without a cache', async () => {
    const t = tempDir();
    try {
      const file = join(t.path, 'commands.cjs');
      writeFileSync(file, bundle(7));
      // A file where the cache folder should be: mkdir fails, done() swallows it.
      writeFileSync(join(t.path, 'v8-cache'), '');
      const c = loadCachedCli(file, 'tag')!;
      assert.equal(await c.cli.run([]), 8);
      c.done();
      assert.ok(existsSync(join(t.path, 'v8-cache')));
    } finally {
      t.cleanup();
    }
  });
});
