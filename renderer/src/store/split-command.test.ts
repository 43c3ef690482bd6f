import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinCommand, splitCommand } from './split-command.ts';

describe('splitCommand', () => {
  const ok: [string, string, string[]][] = [
    ['empty', '', []],
    ['spaces only', '   \t ', []],
    ['plain words', 'echo hello  world', ['echo', 'hello', 'world']],
    ['double quotes keep spaces', 'sh -c "echo hi; exit 3"', ['sh', '-c', 'echo hi; exit 3']],
    ['single quotes keep everything', `sh -c 'echo "$HOME" \\n'`, ['sh', '-c', 'echo "$HOME" \\n']],
    ['escaped quote in double quotes', 'echo "a \\"b\\" c"', ['echo', 'a "b" c']],
    ['backslash escapes a space', 'ls my\\ dir', ['ls', 'my dir']],
    ['empty quoted word', `printf '' x`, ['printf', '', 'x']],
    ['quotes join into one word', `a"b c"'d'`, ['ab cd']],
  ];
  for (const [name, input, want] of ok) test(name, () => assert.deepEqual(splitCommand(input), { ok: true, argv: want }));

  const bad: [string, string, RegExp][] = [
    ['open double quote', 'echo "hi', /double quote at column 6 is not closed/],
    ['open single quote', "echo 'hi", /single quote at column 6/],
    ['lone backslash', 'echo \\', /lone backslash/],
  ];
  for (const [name, input, want] of bad) {
    test(name, () => {
      const r = splitCommand(input);
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.error : '', want);
    });
  }

  test('joinCommand round-trips through splitCommand', () => {
    for (const argv of [['sh'], ['sh', '-c', 'echo hi; exit 3'], ['echo', "it's", ''], ['/bin/app', '--flag=x']]) {
      assert.deepEqual(splitCommand(joinCommand(argv)), { ok: true, argv });
    }
  });
});
