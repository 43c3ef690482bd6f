import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSubIds } from './host.ts';

describe('parseSubIds (/etc/subuid, /etc/subgid)', () => {
  const file = ['# owner:start:count', 'alice:100000:65536', '1001:200000:1000', 'bob:300000:0', 'bad line', 'carol:x:5', 'alice:500000:10', ''].join('\n');
  const cases: { name: string; user: string | undefined; id: number; want: { start: number; count: number } | undefined }[] = [
    { name: 'by name, first range wins', user: 'alice', id: 1000, want: { start: 100000, count: 65536 } },
    { name: 'by uid', user: 'dave', id: 1001, want: { start: 200000, count: 1000 } },
    { name: 'without a passwd name', user: undefined, id: 1001, want: { start: 200000, count: 1000 } },
    { name: 'an empty range does not count', user: 'bob', id: 1002, want: undefined },
    { name: 'malformed numbers do not count', user: 'carol', id: 1003, want: undefined },
    { name: 'absent', user: 'erin', id: 1004, want: undefined },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(parseSubIds(file, c.user, c.id), c.want));
});
