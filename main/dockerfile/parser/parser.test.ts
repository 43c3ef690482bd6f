import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { StrataError } from '../../util/errors.ts';
import { argValues, DockerfileParseError, dumpAst, onbuildChild, parseDockerfile } from './index.ts';

const dir = conformancePath('buildkit-dockerfile-parser');
const skip = dir ? false : NO_CONFORMANCE;
const read = (rel: string): string => readFileSync(join(dir ?? '', rel), 'utf8');

interface CasesFile {
  positive: { name: string; dockerfile: string; result: string }[];
  negative: { name: string; dockerfile: string; observedError: string }[];
  lineNumbers: { dockerfile: string; root: { startLine: number; endLine: number; children: number }; children: [number, number][] };
}
interface WarningsFile {
  dockerfile: string;
  warningCount: number;
  shortContains: string[][];
  detailContains: string;
}

const cases: CasesFile | null = dir ? (JSON.parse(read('cases.json')) as CasesFile) : null;

describe('buildkit testfiles: Parse + Dump byte for byte', { skip }, () => {
  for (const c of cases?.positive ?? []) {
    test(c.name, () => {
      const { ast } = parseDockerfile(read(c.dockerfile));
      assert.equal(dumpAst(ast) + '\n', read(c.result));
    });
  }
});

describe('buildkit testfiles-negative: Parse fails', { skip }, () => {
  for (const c of cases?.negative ?? []) {
    test(c.name, () => {
      assert.throws(
        () => parseDockerfile(read(c.dockerfile)),
        (err: unknown) => err instanceof DockerfileParseError && err.message.includes(c.observedError),
      );
    });
  }
});

describe('buildkit testfile-line: instruction line ranges', { skip }, () => {
  test('root and children ranges', () => {
    const ln = cases?.lineNumbers;
    assert.ok(ln);
    const { ast } = parseDockerfile(read(ln.dockerfile));
    assert.equal(ast.startLine, ln.root.startLine);
    assert.equal(ast.endLine, ln.root.endLine);
    assert.equal(ast.children.length, ln.root.children);
    assert.deepEqual(
      ast.children.map((c) => [c.startLine, c.endLine]),
      ln.children,
    );
  });
});

describe('buildkit warnings.json: empty continuation lines', { skip }, () => {
  const w: WarningsFile | null = dir ? (JSON.parse(read('warnings.json')) as WarningsFile) : null;
  test('TestParseWarnsOnEmptyContinutationLine', () => {
    assert.ok(w);
    const { warnings } = parseDockerfile(w.dockerfile);
    assert.equal(warnings.length, w.warningCount);
    w.shortContains.forEach((subs, i) => {
      for (const s of subs) assert.ok(warnings[i]?.short.includes(s), `warning ${i} should contain ${JSON.stringify(s)}`);
    });
    assert.ok(warnings[0]?.detail[0]?.includes(w.detailContains));
    // Reported on the instruction's last line, as upstream (currentLine after the continuation).
    assert.deepEqual(
      warnings.map((x) => x.line),
      [11, 15],
    );
    assert.ok(warnings.every((x) => x.rule === 'NoEmptyContinuation'));
  });
  test('TestParseReturnsScannerErrors (line over 65535 bytes)', () => {
    const df = `\n\t\tFROM image\n\t\tLABEL test=${'"a"'.repeat(65536)}\n`;
    assert.throws(
      () => parseDockerfile(df),
      (err: unknown) => err instanceof DockerfileParseError && err.message.endsWith('dockerfile line greater than max allowed size of 65535'),
    );
  });
});

describe('parseDockerfile (own cases)', () => {
  test('instruction fields', () => {
    const { ast, directives, escapeToken } = parseDockerfile(
      '# syntax=docker/dockerfile:1\n# check=skip=all\n# hello\nFROM alpine AS b\nrun --mount=type=cache,target=/c \\\n  echo hi\nCMD ["a", "b"]\n',
    );
    assert.equal(escapeToken, '\\');
    assert.deepEqual(directives, {
      syntax: 'docker/dockerfile:1',
      check: 'skip=all',
      list: [
        { name: 'syntax', value: 'docker/dockerfile:1', line: 1 },
        { name: 'check', value: 'skip=all', line: 2 },
      ],
    });
    const [from, run, cmd] = ast.children;
    assert.ok(from && run && cmd);
    assert.deepEqual([from.keyword, from.startLine, from.endLine, from.comments], ['FROM', 4, 4, ['hello']]);
    assert.deepEqual(argValues(from), ['alpine', 'AS', 'b']);
    assert.deepEqual([run.keyword, run.value, run.startLine, run.endLine], ['RUN', 'run', 5, 6]);
    assert.deepEqual(run.flags, ['--mount=type=cache,target=/c']);
    assert.equal(run.original, 'run --mount=type=cache,target=/c   echo hi');
    assert.deepEqual(argValues(run), ['echo hi']);
    assert.equal(run.json, false);
    assert.equal(cmd.json, true);
    assert.deepEqual(argValues(cmd), ['a', 'b']);
  });

  test('escape directive switches the continuation character', () => {
    const r = parseDockerfile('# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo\n');
    assert.equal(r.escapeToken, '`');
    assert.equal(r.directives.escape, '`');
    assert.deepEqual(argValues(r.ast.children[1] ?? { next: null }), ['dir c:\\   && echo']);
  });

  test('CRLF, BOM and a heredoc body keep their bytes', () => {
    const r = parseDockerfile('\uFEFFFROM x\r\nRUN <<EOF\r\necho a\r\nEOF\r\nCOPY <<-X /d\r\n\tb\r\n\tX\r\n');
    assert.equal(dumpAst(r.ast), '(from "x")\n(run "<<EOF")\n(copy "<<-X" "/d")');
    const [, run, copy] = r.ast.children;
    assert.deepEqual(run?.heredocs, [{ name: 'EOF', fileDescriptor: 0, expand: true, chomp: false, content: 'echo a\r\n' }]);
    assert.deepEqual([run?.startLine, run?.endLine], [2, 4]);
    assert.deepEqual(copy?.heredocs[0]?.content, '\tb\r\n');
  });

  test('ONBUILD nests its instruction and can carry heredocs', () => {
    const r = parseDockerfile('FROM x\nONBUILD RUN <<EOF\nhi\nEOF\n');
    const ob = r.ast.children[1];
    assert.ok(ob);
    assert.equal(dumpAst(ob), 'onbuild (run "<<EOF")');
    assert.equal(onbuildChild(ob)?.keyword, 'RUN');
    assert.equal(ob.heredocs[0]?.content, 'hi\n');
  });

  test('deep ONBUILD nesting neither recurses nor goes quadratic', () => {
    const depth = 50_000;
    const text = 'FROM x\n' + 'ONBUILD \\\n'.repeat(depth) + 'RUN a\n';
    const r = parseDockerfile(text);
    const out = dumpAst(r.ast);
    assert.ok(out.startsWith('(from "x")\n(onbuild (onbuild '));
    assert.ok(out.endsWith('(run "a")' + ')'.repeat(depth)));
  });

  test('errors are DockerfileParseError with line details', () => {
    const cases: [string, string, number][] = [
      ['FROM x\nCMD ["a", 1]\n', 'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only', 2],
      ['# escape=x\nFROM x\n', "Dockerfile:1: invalid escape token 'x' does not match ` or \\", 1],
      ['# syntax=a\n# syntax=b\nFROM x\n', 'Dockerfile:2: only one syntax parser directive can be used', 2],
      ['FROM x\nRUN <<EOF\nno end\n', 'Dockerfile:2: unterminated heredoc', 2],
      ['FROM x\nLABEL a=b c\n', 'Dockerfile:2: Syntax error - can\'t find = in "c". Must be of the form: name=value', 2],
      ['', 'Dockerfile:1: file with no instructions', 1],
    ];
    for (const [text, message, line] of cases) {
      assert.throws(
        () => parseDockerfile(text, { file: 'sub/Dockerfile' }),
        (err: unknown) => {
          assert.ok(err instanceof DockerfileParseError);
          assert.ok(err instanceof StrataError);
          assert.equal(err.code, 'DOCKERFILE_PARSE');
          assert.equal(err.message, message);
          assert.equal(err.details.line, line);
          assert.equal(err.details.file, 'sub/Dockerfile');
          return true;
        },
      );
    }
  });

  test('instruction-layer inputs still parse (MAINTAINER, ENV with no args)', () => {
    for (const kw of ['MAINTAINER', 'WORKDIR', 'USER', 'STOPSIGNAL', 'ENV', 'LABEL', 'ARG', 'ONBUILD', 'HEALTHCHECK', 'COPY', 'ADD']) {
      const r = parseDockerfile(kw);
      assert.equal(r.ast.children[0]?.keyword, kw);
    }
  });

  test('fuzz smoke: random inputs only ever throw DockerfileParseError', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const atoms = ['RUN', 'COPY', 'ONBUILD', 'ENV', 'LABEL', 'HEALTHCHECK', 'CMD', ' ', '\t', '\n', '\r\n', '\\', '`', '"', "'", '[', ']', ',', '=', '<<', '<<-', 'EOF', '$', '${', '}', ':', '-', '--', '#', '# escape=`\n', '\u00a0', '\u0000', '♥', 'a', '1', '{', '\uFEFF', '\ud800'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = rnd(40);
      for (let k = 0; k < len; k++) s += atoms[rnd(atoms.length)];
      try {
        const r = parseDockerfile(s);
        dumpAst(r.ast);
      } catch (err) {
        assert.ok(err instanceof DockerfileParseError, `input ${JSON.stringify(s)} threw ${String(err)}`);
        assert.ok(!err.message.includes('internal parser error'), `input ${JSON.stringify(s)}: ${err.message}`);
      }
    }
  });
});
