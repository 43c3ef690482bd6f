import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMountinfo } from './mountinfo.ts';

const TEXT = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '61 22 0:52 / /var/tmp/home/tmp/build-1/rootfs-0-1.merged rw,relatime - overlay overlay rw,lowerdir=/var/tmp/home/snapshots/ab,upperdir=/var/tmp/u,workdir=/var/tmp/w',
  '62 22 0:53 / /mnt/with\\040space rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('parseMountinfo', () => {
  test('mount points (octal escapes decoded), file system types and super options', () => {
    const m = parseMountinfo(TEXT);
    assert.deepEqual(m.map((e) => [e.point, e.fsType]), [
      ['/', 'ext4'],
      ['/var/tmp/home/tmp/build-1/rootfs-0-1.merged', 'overlay'],
      ['/mnt/with space', 'tmpfs'],
    ]);
    assert.match(m[1]!.superOptions, /^rw,lowerdir=\/var\/tmp\/home\/snapshots\/ab,/);
  });
});
