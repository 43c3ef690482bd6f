import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Store } from '../store/store.ts';
import { tempDir } from '../testing/temp.ts';
import { dispatch } from './dispatch.ts';
import { Engine } from './engine.ts';
import { MAX_RECENT_CONTEXTS, RecentContexts } from './recent-contexts.ts';

const t = tempDir();
after(() => t.cleanup());

function folder(name: string): string {
  const d = join(t.path, 'ctx', name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('recent contexts', () => {
  test('most recent first, each once, capped; folders that are gone are left out', async () => {
    const home = join(t.path, 'home1');
    mkdirSync(home, { recursive: true });
    const r = new RecentContexts(home);
    const dirs = Array.from({ length: MAX_RECENT_CONTEXTS + 2 }, (_, i) => folder(`d${i}`));
    await Promise.all(dirs.map((d) => r.add(d)));
    await r.add(dirs[3]!);
    const list = await r.list();
    assert.equal(list.length, MAX_RECENT_CONTEXTS);
    assert.equal(list[0], dirs[3]);
    assert.equal(new Set(list).size, list.length);
    rmSync(dirs[3]!, { recursive: true });
    assert.notEqual((await r.list())[0], dirs[3]);
    assert.deepEqual(await new RecentContexts(home).list(), await r.list(), 'kept on disk');
  });

  test('a torn file reads as no folders', async () => {
    const home = join(t.path, 'home2');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'recent-contexts.json'), '["/a", 4');
    assert.deepEqual(await new RecentContexts(home).list(), []);
  });

  test('the engine remembers the folder openContext opened, across engines on the same home', async () => {
    const store = await Store.open(join(t.path, 'home3'));
    const ctx = folder('app');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\n');
    await new Engine(store).openContext({ contextDir: ctx });
    const again = new Engine(await Store.open(join(t.path, 'home3')));
    assert.deepEqual(await dispatch(again, 'recentContexts', {}), { ok: true, result: [ctx] });
  });
});
