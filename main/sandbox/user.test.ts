import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { SandboxError } from './errors.ts';
import { resolveUser } from './user.ts';

describe('resolveUser (docker USER, as runc resolves it)', () => {
  const tmp = tempDir('strata-user-');
  after(() => tmp.cleanup());
  const root = tmp.path;
  mkdirSync(join(root, 'etc'));
  writeFileSync(
    join(root, 'etc/passwd'),
    ['root:x:0:0:root:/root:/bin/sh', '# comment', 'broken line', 'app:x:1000:1000::/home/app:/bin/sh', 'svc:x:1001:50::/:/bin/false', '2000:x:3000:3000::/:/bin/sh', ''].join('\n'),
  );
  writeFileSync(join(root, 'etc/group'), ['root:x:0:root', 'wheel:x:10:root,app', 'staff:x:50:', 'app:x:1000:', 'docker:x:999: app , svc', ''].join('\n'));
  const empty = join(root, 'empty');
  mkdirSync(empty);

  const cases: { name: string; spec: string | undefined; want: { uid: number; gid: number; groups: number[] }; rootfs?: string }[] = [
    { name: 'no USER is root with its groups', spec: undefined, want: { uid: 0, gid: 0, groups: [0, 10] } },
    { name: 'empty USER is root', spec: '', want: { uid: 0, gid: 0, groups: [0, 10] } },
    { name: 'name', spec: 'app', want: { uid: 1000, gid: 1000, groups: [10, 999] } },
    { name: 'name with primary group elsewhere', spec: 'svc', want: { uid: 1001, gid: 50, groups: [999] } },
    { name: 'uid in passwd takes its group', spec: '1000', want: { uid: 1000, gid: 1000, groups: [10, 999] } },
    { name: 'numeric user is a uid even when a name looks like it', spec: '2000', want: { uid: 2000, gid: 0, groups: [] } },
    { name: 'uid not in passwd: gid 0', spec: '4242', want: { uid: 4242, gid: 0, groups: [] } },
    { name: 'uid:gid', spec: '4242:4343', want: { uid: 4242, gid: 4343, groups: [] } },
    { name: 'name:group sets the group, no supplementary groups', spec: 'app:staff', want: { uid: 1000, gid: 50, groups: [] } },
    { name: 'name:gid', spec: 'app:7', want: { uid: 1000, gid: 7, groups: [] } },
    { name: 'uid:group name', spec: '5:wheel', want: { uid: 5, gid: 10, groups: [] } },
    { name: 'numeric ids need no files', spec: '1:2', want: { uid: 1, gid: 2, groups: [] }, rootfs: empty },
    { name: 'root without files', spec: undefined, want: { uid: 0, gid: 0, groups: [] }, rootfs: empty },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(resolveUser(c.rootfs ?? root, c.spec), c.want));
  }

  const errors: { name: string; spec: string; code: string; rootfs?: string }[] = [
    { name: 'unknown name', spec: 'nobody', code: 'SANDBOX_USER_NOT_FOUND' },
    { name: 'unknown group name', spec: 'app:nogroup', code: 'SANDBOX_USER_NOT_FOUND' },
    { name: 'name without passwd', spec: 'app', code: 'SANDBOX_USER_NOT_FOUND', rootfs: empty },
    { name: 'empty group', spec: 'app:', code: 'SANDBOX_INVALID_OPTIONS' },
    { name: 'id out of range', spec: '4294967295', code: 'SANDBOX_INVALID_OPTIONS' },
  ];
  for (const c of errors) {
    test(`error: ${c.name}`, () => {
      assert.throws(() => resolveUser(c.rootfs ?? root, c.spec), (e: unknown) => e instanceof SandboxError && e.code === c.code);
    });
  }
});
