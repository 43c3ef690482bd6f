// The fuzz targets: what each feeds an input to, which errors are its own typed ones, and the seeds it
// mutates (the conformance goldens via conformancePath, plus a few built in so it runs without them).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ContextFilter } from '../../dockerfile/ignore/context-filter.ts';
import { readIgnoreEntries } from '../../dockerfile/ignore/ignore-file.ts';
import { PatternMatcher } from '../../dockerfile/ignore/pattern-matcher.ts';
import { ArgScope } from '../../dockerfile/instructions/args.ts';
import { stageEdges } from '../../dockerfile/instructions/graph.ts';
import { parseStages } from '../../dockerfile/instructions/stages.ts';
import { dumpAst, parseDockerfile } from '../../dockerfile/parser/index.ts';
import { familiarMatch, normalizeReferenceForDisplay, parseAnyReference, parseDockerRef, parseNamed, parseNormalizedNamed, parseReference } from '../../oci/reference.ts';
import { conformancePath } from '../../util/conformance.ts';
import { StrataError } from '../../util/errors.ts';
import { stringsIn } from './mutate.ts';

export type FuzzTargetName = 'dockerfile' | 'reference' | 'dockerignore';

export interface FuzzTarget {
  /** codes are the module's own typed errors: anything else thrown is a failure. */
  codes: readonly string[];
  maxLen: number;
  dict: readonly string[];
  seeds(): string[];
  run(input: string): void;
}

function readJson(...parts: string[]): unknown {
  const p = conformancePath(...parts);
  if (!p || !existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8'));
}

function dockerfileSeeds(): string[] {
  const out = ['FROM busybox\nRUN echo hi\n', 'ARG B=alpine\nFROM ${B} AS a\nCOPY --from=a /x /y\n', 'FROM scratch\nRUN <<EOF\necho $HOME\nEOF\n'];
  for (const sub of ['testfiles', 'testfiles-negative']) {
    const dir = conformancePath('buildkit-dockerfile-parser', sub);
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const f = join(dir, name, 'Dockerfile');
      if (existsSync(f)) out.push(readFileSync(f, 'utf8'));
    }
  }
  for (const file of ['heredoc.json', 'instructions-errors.json', 'warnings.json', 'json-arrays.json']) {
    for (const s of stringsIn(readJson('buildkit-dockerfile-parser', file))) if (s.length > 3 && s.length < 8192) out.push(s);
  }
  for (const s of stringsIn(readJson('buildkit-shell-lexer', 'envVarTest.json'))) if (s.length < 256) out.push(`ARG X=${s}\nFROM ${s}\nENV A=${s}\n`);
  return out;
}

const DOCKERFILE_DICT = [
  'FROM ', 'RUN ', 'COPY ', 'ADD ', 'ARG ', 'ENV ', 'LABEL ', 'WORKDIR ', 'USER ', 'CMD ', 'ENTRYPOINT ', 'SHELL ', 'HEALTHCHECK ',
  'ONBUILD ', 'EXPOSE ', 'VOLUME ', 'STOPSIGNAL ', 'MAINTAINER ', 'frOm ', 'onbuild onbuild ', 'FROM scratch\n', 'FROM busybox AS b\n',
  '\\\n', '`\n', '# escape=`\n', '# escape=\\\n', '# syntax=docker/dockerfile:1\n', '# check=skip=all\n', '<<EOF\n', '<<-EOT ', '<<"EOF"', 'EOF\n', 'EOT\n',
  '${', '}', '$', '${A:-b}', '${A:+x}', '${A?err}', '${A#*}', '${A%%x}', '${A/x/y}', '$$', '"', "'", '[', ']', '["a", "b"]', '[ "sh", 1 ]',
  '--mount=type=cache,target=/x', '--mount=type=secret,id=s,required', '--mount=type=bind,from=b,source=/,target=/m', '--mount=type=tmpfs,size=1',
  '--from=', '--from=0 ', '--chown=1:1 ', '--chmod=755 ', '--platform=$BUILDPLATFORM ', ' AS ', ' as stage\n', '\n', '\r\n', '\t', ' ', '=', '\\',
  '--interval=5s ', '--timeout=1h ', '--retries=-1 ', 'CMD ["x"]', 'NONE', '99999999999999999999', '--network=none ', '--security=insecure ', '--link ',
  '--exclude=*', '--parents ', '--keep-git-dir ', '--checksum=sha256:0 ', 'ARG X=1\n', 'FROM ${X}\n', 'COPY <<EOF /f\nhi\nEOF\n', '\u0000', '\ufeff',
];

function referenceSeeds(): string[] {
  const out = ['busybox', 'docker.io/library/busybox:latest', 'localhost:5000/a/b:c', `x@sha256:${'a'.repeat(64)}`, '[::1]:5000/x'];
  for (const file of ['reference-tests.json', 'oracle.json']) for (const s of stringsIn(readJson('distribution-reference', file))) if (s.length < 1024) out.push(s);
  return [...new Set(out)];
}

const REFERENCE_DICT = [
  'docker.io/', 'library/', 'localhost:5000/', 'localhost/', '127.0.0.1:', '[::1]:5000/', '[fe80::1%eth0]/', ':latest', ':', '@', '@sha256:', `@sha256:${'f'.repeat(64)}`,
  `sha256:${'0'.repeat(64)}`, '@sha512:', 'a', 'A', '-', '_', '__', '.', '..', '/', '//', 'abc', '0', '65535', '99999', 'index.docker.io/', 'ubuntu', 'xn--', '%2F', 'é',
  'a'.repeat(128), 'a/'.repeat(40), 'ns.example.com', ' ', '\n',
];

function ignoreSeeds(): string[] {
  const out = ['node_modules\n!node_modules/keep\n**/*.log\n', '# comment\n/abs\n../up\n[a-z]*\n'];
  for (const file of ['patternmatcher-tests.json', 'ignorefile-tests.json']) for (const s of stringsIn(readJson('patternmatcher', file))) if (s.length < 4096) out.push(s);
  return [...new Set(out)];
}

const IGNORE_DICT = ['*', '**', '?', '[', ']', '[a-z]', '[^a]', '[!a]', '\\', '!', '#', '/', '.', '..', '../', '**/', '/**', '\n', '\r\n', ' ', '\t', '{', '}', 'a', 'dir/', '\ufeff', '[[:alpha:]]', '\\*', '[\\]]', '-', '[a-', 'x/**/y', '*.go'];

const FIXED_PATHS = ['a', 'dir/file.txt', '.git', 'x/y/z/w', 'weird[1]/*', 'é/ß'];

/** targets maps each fuzz target to what it runs. */
export const targets: Record<FuzzTargetName, FuzzTarget> = {
  dockerfile: {
    codes: ['DOCKERFILE_PARSE', 'DOCKERFILE_INVALID', 'SHELL_EXPANSION'],
    maxLen: 16 * 1024,
    dict: DOCKERFILE_DICT,
    seeds: dockerfileSeeds,
    run(text) {
      // The parser, then the typed instructions and what the Build view derives from them (build/analyze.ts).
      const ast = parseDockerfile(text);
      dumpAst(ast.ast);
      const parsed = parseStages(ast);
      const scope = ArgScope.create(parsed.metaArgs, { escapeToken: parsed.escapeToken });
      stageEdges(parsed.stages, { scope });
      for (const s of parsed.stages) scope.expandFrom(s.from);
    },
  },
  reference: {
    codes: ['INVALID_REFERENCE', 'INVALID_PATTERN'],
    maxLen: 2048,
    dict: REFERENCE_DICT,
    seeds: referenceSeeds,
    run(s) {
      // Every parser sees the input; a reference that parses must print and parse back to itself.
      const errors: unknown[] = [];
      const attempt = (f: () => void) => {
        try {
          f();
        } catch (e) {
          errors.push(e);
        }
      };
      attempt(() => {
        const r = parseDockerRef(s);
        const again = parseDockerRef(r.toString());
        if (again.toString() !== r.toString()) throw new Error(`round trip: ${JSON.stringify(s)} → ${r.toString()} → ${again.toString()}`);
        r.familiarString();
      });
      attempt(() => parseReference(s));
      attempt(() => parseNormalizedNamed(s));
      attempt(() => parseNamed(s));
      attempt(() => parseAnyReference(s));
      attempt(() => normalizeReferenceForDisplay(s));
      attempt(() => familiarMatch(s, parseDockerRef('docker.io/library/busybox:latest')));
      for (const e of errors) if (!(e instanceof StrataError && this.codes.includes(e.code))) throw e;
    },
  },
  dockerignore: {
    codes: ['IGNORE_PATTERN'],
    maxLen: 2 * 1024,
    dict: IGNORE_DICT,
    seeds: ignoreSeeds,
    run(text) {
      const entries = readIgnoreEntries(text);
      // Paths as a context has them (short): matching costs path length × pattern size × depth.
      const paths = [...FIXED_PATHS, ...entries.slice(0, 4).map((e) => e.pattern.replace(/^!/, '').replace(/[*?[\]\\]/g, 'x').slice(0, 64))];
      const matcher = new PatternMatcher(entries);
      for (const p of paths) matcher.matchesOrParentMatches(p);
      matcher.matches(paths[paths.length - 1] as string);
      const filter = ContextFilter.fromDockerignore(text);
      for (const p of paths) filter.includes(p, p.endsWith('dir') || p === 'a', null);
    },
  },
};

/** isOwnError says whether a thrown value is one of the target's typed errors. */
export function isOwnError(target: FuzzTarget, e: unknown): boolean {
  return e instanceof StrataError && target.codes.includes(e.code);
}
