import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { strata } from '../testing/cli.ts';
import { tempDir } from '../testing/temp.ts';

describe('strata build and strata run', () => {
  const t = tempDir();
  const home = join(t.path, 'home');
  let ctx: string;
  before(async () => {
    await makeBusyboxImage(await Store.open(home), ['strata-test/busybox:1']);
    ctx = writeTree(join(t.path, 'ctx'), {
      Dockerfile: 'FROM strata-test/busybox:1\nARG GREETING=hello\nWORKDIR /app\nCOPY msg.txt .\nRUN echo "$GREETING from the build" > built.txt\nENTRYPOINT ["sh", "-c"]\nCMD ["cat /app/built.txt /app/msg.txt"]\n',
      'msg.txt': 'from the context\n',
    });
  });
  after(() => t.cleanup());

  test('build prints each step and the digest; a rebuild prints CACHED for every step', () => {
    const first = strata(home, ['build', '--progress', 'plain', '-t', 'cli-built:1', ctx]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.match(first.stderr, /\[stage-0 5\/7\] RUN echo "\$GREETING from the build" > built\.txt/);
    assert.match(first.stderr, /cache miss: not built before/);
    const second = strata(home, ['build', '--progress', 'plain', '-t', 'cli-built:1', ctx]);
    assert.equal(second.stdout, first.stdout, 'same image digest');
    assert.equal((second.stderr.match(/CACHED/g) ?? []).length, 4, 'FROM (base already here), WORKDIR, COPY, RUN');
    const third = strata(home, ['build', '--progress', 'plain', '--build-arg', 'GREETING=hi', '-t', 'cli-built:1', ctx]);
    assert.match(third.stderr, /cache miss: ARG GREETING set to hi|cache miss: ARG GREETING changed from hello to hi/);
  });

  test('build --progress json writes one status event per line', () => {
    const r = strata(home, ['build', '--progress', 'json', ctx]);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events[0].stages && events[0].steps, 'the first event carries the whole graph');
    assert.equal(events.at(-1).result.ok, true);
  });

  test('build errors name the Dockerfile line, exit non-zero', () => {
    const bad = writeTree(join(t.path, 'bad'), { Dockerfile: 'FROM strata-test/busybox:1\nRUN exit 4\n' });
    const r = strata(home, ['build', '--progress', 'plain', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: Dockerfile:2: RUN exit 4: exited with code 4/);
    assert.match(r.stderr, /--> Dockerfile:2:1\n 2 \| RUN exit 4\n   \| \^\n/);
    const flag = writeTree(join(t.path, 'bad-flag'), { Dockerfile: 'FROM strata-test/busybox:1\nRUN --nope=1 true\n' });
    const f = strata(home, ['build', '--progress', 'plain', flag]);
    assert.equal(f.code, 1);
    assert.match(f.stderr, /Error: Dockerfile:2: .*--nope/);
    assert.match(f.stderr, /--> Dockerfile:2:5\n 2 \| RUN --nope=1 true\n   \|     \^\n/, 'the caret under the unknown flag');
    const blank = writeTree(join(t.path, 'bad-from'), { Dockerfile: 'FROM $NOPE\n' });
    const b = strata(home, ['build', '--progress', 'plain', blank]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /--> Dockerfile:1:6\n/, 'the caret under the blank variable');
  });

  test('without Linux namespaces the build fails at the first RUN saying so; a build without RUN still works', () => {
    const env = { STRATA_BWRAP: '/nonexistent/bwrap' };
    const withRun = writeTree(join(t.path, 'no-ns-run'), { Dockerfile: 'FROM strata-test/busybox:1\nCOPY msg.txt /msg.txt\nRUN true\n', 'msg.txt': 'x\n' });
    const r = strata(home, ['build', '--progress', 'plain', withRun], undefined, env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: Dockerfile:3: .*cannot run in Linux namespaces/);
    assert.match(r.stderr, /--> Dockerfile:3:1\n/);
    const noRun = writeTree(join(t.path, 'no-ns-copy'), { Dockerfile: 'FROM strata-test/busybox:1\nCOPY msg.txt /msg.txt\nCMD ["cat", "/msg.txt"]\n', 'msg.txt': 'x\n' });
    const ok = strata(home, ['build', '--progress', 'plain', noRun], undefined, env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  test('run: entrypoint + cmd, output streamed, exit code passed through, CMD replaced by arguments', () => {
    const r = strata(home, ['run', 'cli-built:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi from the build\nfrom the context\n');
    const e = strata(home, ['run', '-e', 'CODE=9', 'cli-built:1', 'echo out; echo err >&2; exit $CODE']);
    assert.equal(e.code, 9);
    assert.equal(e.stdout, 'out\n');
    assert.equal(e.stderr, 'err\n');
    const missing = strata(home, ['run', 'nope:1']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no image "nope:1"/);
  });
});
