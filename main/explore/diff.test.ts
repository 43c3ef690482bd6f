import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBuild } from '../build/solver.ts';
import { Store } from '../store/store.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { diffImages } from './diff.ts';
import { makeLayeredImage, t } from './testing/images.ts';

const BASE = 'strata-test/busybox:1';

describe('image diff', () => {
  const tmp = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(tmp.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    const a = writeTree(join(tmp.path, 'a'), {
      Dockerfile: [`FROM ${BASE}`, 'ENV MODE=dev LEVEL=1', 'LABEL team=core version=1', 'COPY app/ /app/', 'WORKDIR /app', 'USER 1000', 'EXPOSE 8080', 'CMD ["sh", "/app/start.sh"]', ''].join('\n'),
      'app/start.sh': 'echo a\n',
      'app/lib/util.sh': 'u\n',
      'app/old.txt': 'old\n',
    });
    const b = writeTree(join(tmp.path, 'b'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'ENV MODE=prod LEVEL=1 EXTRA=yes',
        'LABEL team=core version=2',
        'COPY app/ /app/',
        'RUN chmod 700 /app/start.sh',
        'WORKDIR /srv',
        'USER 1001',
        'EXPOSE 8080 9090',
        'ENTRYPOINT ["/bin/sh"]',
        'CMD ["/app/start.sh"]',
        '',
      ].join('\n'),
      'app/start.sh': 'echo a\n',
      'app/lib/util.sh': 'u2\n',
      'app/new.txt': 'new\n',
    });
    for (const dir of [a, b]) chmodSync(join(dir, 'app', 'start.sh'), 0o644);
    await runBuild(store, { contextDir: a, tags: ['diff:a'] }, {});
    await runBuild(store, { contextDir: b, tags: ['diff:b'] }, {});
    await runBuild(store, { contextDir: a, tags: ['diff:a-again'], noCache: true }, {});
  });
  after(() => tmp.cleanup());

  test('two builds: exactly the files added, removed and changed (by checksum), layers in common, config', async () => {
    const d = await diffImages(store, 'diff:a', 'diff:b');
    assert.deepEqual(
      d.files.map((f) => [f.change, f.path, f.what ?? []]),
      [
        ['changed', '/app/lib/util.sh', ['content']],
        ['added', '/app/new.txt', []],
        ['removed', '/app/old.txt', []],
        ['changed', '/app/start.sh', ['mode']],
        ['added', '/srv', []],
      ],
    );
    assert.deepEqual(d.summary, { added: 2, removed: 1, changed: 2, addedBytes: 4, removedBytes: 4, changedBytes: 3 + 7 });
    const baseImg = await store.resolve(BASE);
    assert.deepEqual(d.commonLayers.map((l) => [l.diffID, l.indexA, l.indexB]), [[baseImg.configDoc.config.rootfs.diff_ids[0], 0, 0]]);
    assert.equal(d.sharedPrefix, 1);
    assert.deepEqual(d.config, [
      { field: 'Env', key: 'EXTRA', a: null, b: 'yes' },
      { field: 'Env', key: 'MODE', a: 'dev', b: 'prod' },
      { field: 'Cmd', a: ['sh', '/app/start.sh'], b: ['/app/start.sh'] },
      { field: 'Entrypoint', a: null, b: ['/bin/sh'] },
      { field: 'User', a: '1000', b: '1001' },
      { field: 'WorkingDir', a: '/app', b: '/srv' },
      { field: 'ExposedPorts', key: '9090/tcp', a: null, b: true },
      { field: 'Labels', key: 'version', a: '1', b: '2' },
    ]);
  });

  test('the same Dockerfile built twice: nothing differs, every layer in common', async () => {
    const d = await diffImages(store, 'diff:a', 'diff:a-again');
    assert.deepEqual(d.files, []);
    assert.deepEqual(d.config, []);
    assert.equal(d.commonLayers.length, d.a.layers);
    assert.equal(d.sharedPrefix, d.a.layers);
  });

  test('type, link target, owner; a directory replaced by a file takes its contents along', async () => {
    await makeLayeredImage(store, ['diff:x'], [{ entries: [t.dir('x'), t.file('x/a', 'A'), t.symlink('l', 'one'), t.file('o', 'same', 0o644, 0, 0), t.dir('keep'), t.file('keep/k', 'k')] }]);
    await makeLayeredImage(store, ['diff:y'], [{ entries: [t.file('x', 'now a file'), t.symlink('l', 'two'), t.file('o', 'same', 0o644, 1000, 1000), t.dir('keep'), t.file('keep/k', 'k')] }]);
    const d = await diffImages(store, 'diff:x', 'diff:y');
    assert.deepEqual(d.files.map((f) => [f.change, f.path, f.typeA, f.typeB, f.what ?? []]), [
      ['changed', '/l', 'symlink', 'symlink', ['link']],
      ['changed', '/o', 'file', 'file', ['owner']],
      ['removed', '/x/a', 'file', null, []],
      ['changed', '/x', 'dir', 'file', ['type']],
    ]);
    assert.deepEqual(d.commonLayers, []);
    assert.equal(d.sharedPrefix, 0);
  });
});
