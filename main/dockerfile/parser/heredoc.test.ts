import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { chompHeredocContent, heredocsFromLine, parseDockerfile, parseHeredoc, type Heredoc } from './index.ts';

interface HeredocFile {
  extractsHeredoc: { dockerfile: string; expected: (Heredoc[] | null)[]; comments: string[] };
  jsonFormNoHeredoc: { dockerfile: string; childrenWithoutHeredocs: number[] };
  chomp: { cases: { input: string; expected: string }[] };
  parseHeredocWord: { valid: string[]; invalid: string[]; notHeredoc: string[] };
  heredocsFromLine: { cases: { line: string; heredocNames: string[] | null; implementationReturns?: string[] }[] };
}

const file = conformancePath('buildkit-dockerfile-parser', 'heredoc.json');
const skip = file ? false : NO_CONFORMANCE;
const v: HeredocFile | null = file ? (JSON.parse(readFileSync(file, 'utf8')) as HeredocFile) : null;

describe('heredoc.json: TestParseExtractsHeredoc', { skip }, () => {
  const x = v?.extractsHeredoc;
  const children = x ? parseDockerfile(x.dockerfile).ast.children : [];
  (x?.expected ?? []).forEach((expected, i) => {
    test(`[${i}] ${x?.comments[i] ?? ''}`, () => {
      const got = children[i + 1]?.heredocs;
      assert.ok(got, `instruction ${i + 1} exists`);
      assert.deepEqual(got, expected ?? []);
    });
  });
});

describe('heredoc.json: TestParseJSONHeredoc', { skip }, () => {
  const x = v?.jsonFormNoHeredoc;
  const children = x ? parseDockerfile(x.dockerfile).ast.children : [];
  for (const i of x?.childrenWithoutHeredocs ?? []) {
    test(`child ${i} has no heredocs`, () => {
      assert.ok(children[i]);
      assert.deepEqual(children[i]?.heredocs, []);
      assert.equal(children[i]?.json, true);
    });
  }
});

describe('heredoc.json: TestHeredocChomp', { skip }, () => {
  for (const c of v?.chomp.cases ?? []) {
    test(JSON.stringify(c.input), () => assert.equal(chompHeredocContent(c.input), c.expected));
  }
});

describe('heredoc.json: TestParseHeredocHelpers', { skip }, () => {
  for (const w of v?.parseHeredocWord.valid ?? []) {
    test(`valid ${w}`, () => assert.equal(parseHeredoc(w)?.name, 'EOF'));
  }
  for (const w of v?.parseHeredocWord.invalid ?? []) {
    test(`invalid ${w}`, () => assert.throws(() => parseHeredoc(w)));
  }
  for (const w of v?.parseHeredocWord.notHeredoc ?? []) {
    test(`not a heredoc ${JSON.stringify(w)}`, () => assert.equal(parseHeredoc(w), null));
  }
});

describe('heredoc.json: TestHeredocsFromLine', { skip }, () => {
  for (const c of v?.heredocsFromLine.cases ?? []) {
    test(c.line, () => {
      // Where upstream's table and implementation disagree, the vector records what the code returns.
      const expected = c.implementationReturns ?? c.heredocNames ?? [];
      assert.deepEqual(
        heredocsFromLine(c.line).map((h) => h.name),
        expected,
      );
    });
  }
});

describe('heredocs (own cases)', () => {
  test('fd, chomp and quoting', () => {
    assert.deepEqual(parseHeredoc('3<<-"E"O'), { name: 'EO', fileDescriptor: 3, expand: false, chomp: true });
    assert.equal(parseHeredoc('<<${X:-a}')?.name, '${X:-a}');
  });
  test('a line that does not lex has no heredocs', () => {
    assert.deepEqual(heredocsFromLine('RUN <<EOF "unterminated'), []);
  });
  test('chomp splits on \\n only', () => {
    assert.equal(chompHeredocContent('\ta\r\tb\n\t\tc'), 'a\r\tb\nc');
  });
});
