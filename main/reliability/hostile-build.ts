// Hostile build contexts and base images through runBuild: sources outside the context (`../`, absolute,
// symlinks), COPY --from through symlinks of the source image, destinations that are symlinks to the host,
// ADD of hostile archives. Every path must resolve inside the context or the image root: the build fails
// with a typed error or succeeds, the sentinel (the "host") is untouched, and its secret is in no blob.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runBuild } from '../build/solver.ts';
import type { ImageConfig } from '../oci/config.ts';
import { hostPlatform } from '../oci/platform.ts';
import { writeImage } from '../store/image-writer.ts';
import { writeLayer } from '../store/layer-writer.ts';
import { Store } from '../store/store.ts';
import { busyboxLayerTar } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { StrataError } from '../util/errors.ts';
import { createArena, removeTree, type Arena } from './arena.ts';
import { rawTar } from './raw-tar.ts';
import { scanTree } from './store-scan.ts';
import { countHostile } from './tally.ts';

interface BuildCase {
  name: string;
  dockerfile: (a: Arena) => string;
  /** Extra context files (path → content); symlinks as { link: target }. */
  context?: (a: Arena) => Record<string, string | { link: string } | Buffer>;
  /** fail: the build must fail with one of these codes; either: a typed failure or success. */
  expect: { fail: string[] } | 'either';
}

const NOT_FOUND = ['BUILD_SOURCE_NOT_FOUND'];

function buildCases(): BuildCase[] {
  const evilTar = (a: Arena) =>
    rawTar([
      { name: 'esc', type: '2', linkname: a.sentinel },
      { name: 'esc/pwned', body: 'PWNED' },
      { name: 'k', type: '2', linkname: join(a.sentinel, 'keep.txt') },
      { name: 'k', body: 'PWNED' },
    ]);
  return [
    { name: 'COPY ../ out of the context', expect: { fail: NOT_FOUND }, dockerfile: () => 'FROM busybox\nCOPY ../../sentinel/secret.txt /x\n' },
    { name: 'COPY of an absolute host path', expect: { fail: NOT_FOUND }, dockerfile: (a) => `FROM busybox\nCOPY ${a.sentinel}/secret.txt /x\n` },
    { name: 'COPY ../ with a wildcard', expect: { fail: NOT_FOUND }, dockerfile: () => 'FROM busybox\nCOPY ../../sentinel/*.txt /x/\n' },
    { name: 'COPY of a context symlink to a host file (absolute)', expect: 'either', context: (a) => ({ link: { link: join(a.sentinel, 'secret.txt') } }), dockerfile: () => 'FROM busybox\nCOPY link /x\n' },
    { name: 'COPY of a context symlink climbing out (relative)', expect: 'either', context: () => ({ rlink: { link: '../../sentinel/secret.txt' } }), dockerfile: () => 'FROM busybox\nCOPY rlink /x\n' },
    { name: 'COPY through a context directory symlink to the host', expect: 'either', context: (a) => ({ dlink: { link: a.sentinel } }), dockerfile: () => 'FROM busybox\nCOPY dlink/secret.txt /x\n' },
    { name: 'COPY . with symlinks out in the context', expect: 'either', context: (a) => ({ link: { link: join(a.sentinel, 'secret.txt') }, dlink: { link: a.sentinel }, 'ok.txt': 'ok' }), dockerfile: () => 'FROM busybox\nCOPY . /app/\n' },
    { name: 'ADD of a context symlink to a host file', expect: 'either', context: (a) => ({ link: { link: join(a.sentinel, 'secret.txt') } }), dockerfile: () => 'FROM busybox\nADD link /x\n' },
    { name: 'RUN --mount=type=bind from outside the context', expect: { fail: NOT_FOUND }, dockerfile: () => 'FROM busybox\nRUN --mount=type=bind,source=../../sentinel,target=/m cat /m/secret.txt\n' },
    { name: 'RUN --mount=type=bind through a context symlink out', expect: { fail: NOT_FOUND }, context: (a) => ({ dlink: { link: a.sentinel } }), dockerfile: () => 'FROM busybox\nRUN --mount=type=bind,source=dlink,target=/m cat /m/secret.txt\n' },
    { name: 'COPY --from an image through its absolute symlink to the host', expect: 'either', dockerfile: () => 'FROM busybox\nCOPY --from=hostile /escape/secret.txt /x\n' },
    { name: 'COPY --from an image through its climbing symlink', expect: 'either', dockerfile: () => 'FROM busybox\nCOPY --from=hostile /up/secret.txt /x\n' },
    { name: 'COPY --from an image of its symlink to a host file', expect: 'either', dockerfile: () => 'FROM busybox\nCOPY --from=hostile /etc/hostfile /x\n' },
    { name: 'COPY --from an image of a symlinked directory', expect: 'either', dockerfile: () => 'FROM busybox\nCOPY --from=hostile /escape /x/\n' },
    { name: 'COPY --from an image of its whole root', expect: 'either', dockerfile: () => 'FROM busybox\nCOPY --from=hostile / /all/\n' },
    { name: 'COPY --from ../ out of the image root', expect: 'either', dockerfile: () => 'FROM busybox\nCOPY --from=hostile ../../../../../../../../sentinel/secret.txt /x\n' },
    { name: 'COPY --from a stage that copied a context symlink out', expect: 'either', context: (a) => ({ dlink: { link: a.sentinel } }), dockerfile: () => 'FROM busybox AS s\nCOPY dlink /dlink\nFROM busybox\nCOPY --from=s /dlink/secret.txt /x\n' },
    { name: 'COPY into a destination symlinked to the host (directory)', expect: 'either', context: () => ({ 'f.txt': 'PWNED' }), dockerfile: () => 'FROM hostile\nCOPY f.txt /out/\nCOPY f.txt /out/pwned.txt\n' },
    { name: 'COPY over a destination symlinked to a host file', expect: 'either', context: () => ({ 'f.txt': 'PWNED' }), dockerfile: () => 'FROM hostile\nCOPY f.txt /etc/hostfile\n' },
    { name: 'COPY a directory into a destination symlinked to the host', expect: 'either', context: () => ({ 'd/f.txt': 'PWNED', 'd/sub/g.txt': 'PWNED' }), dockerfile: () => 'FROM hostile\nCOPY d /out/\nCOPY d /escape\n' },
    { name: 'WORKDIR through a symlink to the host', expect: 'either', dockerfile: () => 'FROM hostile\nWORKDIR /out/newdir/deeper\nWORKDIR /escape/x\n' },
    { name: 'ADD of a local tar with ../ entries', expect: 'either', context: () => ({ 'evil.tar': rawTar([{ name: '../../../../../../sentinel/pwned', body: 'PWNED' }]) }), dockerfile: () => 'FROM busybox\nADD evil.tar /\n' },
    { name: 'ADD of a local tar writing through symlinks', expect: 'either', context: (a) => ({ 'evil.tar.gz': gzipSync(evilTar(a)) }), dockerfile: () => 'FROM busybox\nADD evil.tar.gz /\n' },
    { name: 'ADD of a local tar into a destination symlinked to the host', expect: 'either', context: (a) => ({ 'evil.tar': evilTar(a) }), dockerfile: () => 'FROM hostile\nADD evil.tar /out/\n' },
    { name: 'RUN writing through the image symlinks to the host', expect: 'either', dockerfile: () => 'FROM hostile\nRUN echo PWNED > /out/pwned; echo PWNED > /escape/pwned; echo PWNED > /etc/hostfile; cat /up/secret.txt; true\n' },
  ];
}

/** hostileBuildSuite registers the build-context cases. */
export function hostileBuildSuite(): void {
  describe('hostile build contexts and base images: everything resolves inside the context or the image root', () => {
    const t = tempDir('strata-hbuild-');
    let a: Arena;
    let store: Store;
    let n = 0;
    before(async () => {
      a = createArena();
      store = await Store.open(join(t.path, 'home'));
      const base = await writeLayer(store, [await busyboxLayerTar()]);
      const evil = await writeLayer(store, [
        rawTar([
          { name: 'escape', type: '2', linkname: a.sentinel },
          { name: 'up', type: '2', linkname: `../../../../../../../..${a.sentinel}` },
          { name: 'out', type: '2', linkname: a.sentinel },
          { name: 'etc/', type: '5' },
          { name: 'etc/hostfile', type: '2', linkname: join(a.sentinel, 'keep.txt') },
        ]),
      ]);
      const config = (diffs: string[]): ImageConfig => ({ architecture: hostPlatform().architecture, os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: diffs as ImageConfig['rootfs']['diff_ids'] } });
      await writeImage(store, config([base.diffID]), [base.descriptor], ['busybox']);
      await writeImage(store, config([base.diffID, evil.diffID]), [base.descriptor, evil.descriptor], ['hostile']);
    });
    after(() => {
      a.cleanup();
      removeTree(t.path);
    });

    for (const c of buildCases()) {
      test(c.name, async () => {
        const ctx = join(a.target, `ctx-${n++}`);
        mkdirSync(ctx, { recursive: true });
        writeFileSync(join(ctx, 'Dockerfile'), c.dockerfile(a));
        for (const [rel, v] of Object.entries(c.context?.(a) ?? {})) {
          mkdirSync(join(ctx, rel, '..'), { recursive: true });
          if (typeof v === 'object' && !Buffer.isBuffer(v)) symlinkSync(v.link, join(ctx, rel));
          else writeFileSync(join(ctx, rel), v);
        }
        let err: unknown = null;
        try {
          await runBuild(store, { contextDir: ctx, tags: [`strata-test/hostile-build:${n}`], network: 'none' });
        } catch (e) {
          err = e;
        }
        countHostile('build');
        if (err !== null && !(err instanceof StrataError)) throw new Error(`${c.name}: untyped error ${(err as Error)?.stack ?? String(err)}`);
        if (c.expect !== 'either') {
          assert.ok(err instanceof StrataError, `${c.name}: the build succeeded, expected ${c.expect.fail.join(' or ')}`);
          assert.ok(c.expect.fail.includes(err.code), `${c.name}: ${err.code} ${err.message}`);
        }
        a.check(c.name);
        assert.deepEqual(scanTree(store.home, [a.secret]), [], `${c.name}: the host's secret reached the store`);
      });
    }
  });
}
