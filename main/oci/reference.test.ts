import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformancePath, NO_CONFORMANCE } from '../util/conformance.ts';
import {
  familiarMatch,
  familiarName,
  familiarString,
  InvalidPatternError,
  InvalidReferenceError,
  normalizeReferenceForDisplay,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  parseReference,
  tagNameOnly,
  trimNamed,
  withDigest,
  withName,
  withTag,
  type AnyReference,
  type ReferenceErrorReason,
} from './reference.ts';
import {
  anchoredDomainRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  referenceRegexp,
  tagRegexp,
  digestRegexp,
} from './reference-regexp.ts';

// Loose shapes of the vector files (see ../shared/conformance/README.md, section 3).
type Case = Record<string, unknown> & { input?: string };
interface Suite {
  api?: string;
  cases?: Case[];
  valid?: Case[];
  invalid?: Case[];
}
interface ReferenceTests {
  errors: Record<string, string>;
  suites: Record<string, Suite>;
}
interface OracleOutcome {
  valid: boolean;
  error?: string;
  errorMessage?: string;
  string?: string;
  name?: string;
  domain?: string;
  path?: string;
  familiarName?: string;
  familiarString?: string;
  tag?: string;
  digest?: string;
}
type OracleApi = 'parse' | 'parseNormalizedNamed' | 'parseDockerRef' | 'parseAnyReference';
interface Oracle {
  patterns: Record<string, string>;
  results: Array<{ input: string } & Record<OracleApi, OracleOutcome>>;
}

const testsFile = conformancePath('distribution-reference', 'reference-tests.json');
const oracleFile = conformancePath('distribution-reference', 'oracle.json');
const vectors = testsFile ? (JSON.parse(readFileSync(testsFile, 'utf8')) as ReferenceTests) : null;
const oracle = oracleFile ? (JSON.parse(readFileSync(oracleFile, 'utf8')) as Oracle) : null;

/** label names a case by index and (shortened) input, so duplicate inputs stay distinct. */
function label(i: number, input: string): string {
  const shown = input.length > 70 ? `${input.slice(0, 67)}...` : input;
  return `#${i} ${JSON.stringify(shown)}`;
}

function str(c: Case, key: string): string {
  const v = c[key];
  assert.equal(typeof v, 'string', `vector field ${key} should be a string`);
  return v as string;
}

/** "" in the Go tables means absent. */
function opt(v: unknown): string | undefined {
  return v === '' || v === undefined ? undefined : (v as string);
}

function throwsReason(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidReferenceError, `expected InvalidReferenceError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_REFERENCE');
    assert.equal(err.details.reason, reason);
    return true;
  });
}

function cases(suite: string): Case[] {
  const s = vectors?.suites[suite];
  assert.ok(s?.cases, `suite ${suite} missing`);
  return s.cases;
}

describe('distribution/reference conformance (reference-tests.json)', { skip: vectors ? false : NO_CONFORMANCE }, () => {
  if (!vectors) return;

  test('has 21 suites with 352 cases', () => {
    const suites = Object.values(vectors.suites);
    const n = suites.reduce((sum, s) => sum + (s.cases?.length ?? 0) + (s.valid?.length ?? 0) + (s.invalid?.length ?? 0), 0);
    assert.equal(suites.length, 21);
    assert.equal(n, 352);
  });

  describe('TestReferenceParse', () => {
    cases('TestReferenceParse').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        if (c.valid === false) return throwsReason(() => parseReference(input), str(c, 'error'));
        const ref = parseReference(input);
        assert.equal(ref.toString(), input);
        assert.equal(ref.name, str(c, 'repository'));
        assert.equal(ref.domain, str(c, 'domain'));
        assert.equal(ref.tag, opt(c.tag));
        assert.equal(ref.digest, opt(c.digest));
      });
    });
  });

  describe('TestWithNameFailure', () => {
    cases('TestWithNameFailure').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => throwsReason(() => withName(input), str(c, 'error')));
    });
  });

  describe('TestDomainAndPath', () => {
    cases('TestDomainAndPath').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        const ref = withName(input);
        assert.equal(ref.domain, str(c, 'domain'));
        assert.equal(ref.path, str(c, 'path'));
      });
    });
  });

  describe('TestSerialization', () => {
    cases('TestSerialization').forEach((c, i) => {
      const input = str(c, 'input');
      test(`${label(i, input)} ${str(c, 'description')}`, () => {
        // Go unmarshals {"Description","Field"} through reference.Field; toJSON plays MarshalText.
        const doc = JSON.stringify({ Description: c.description, Field: input });
        const parsed = JSON.parse(doc) as { Description: string; Field: string };
        if (c.error) return throwsReason(() => parseReference(parsed.Field), str(c, 'error'));
        const ref = parseReference(parsed.Field);
        assert.equal(ref.name, str(c, 'name'));
        assert.equal(ref.tag, opt(c.tag));
        assert.equal(ref.digest, opt(c.digest));
        assert.equal(JSON.stringify({ Description: parsed.Description, Field: ref }), doc);
      });
    });
  });

  describe('TestWithTag', () => {
    cases('TestWithTag').forEach((c, i) => {
      test(label(i, str(c, 'combined')), () => {
        let ref = withName(str(c, 'name'));
        if (opt(c.digest)) ref = withDigest(ref, str(c, 'digest'));
        ref = withTag(ref, str(c, 'tag'));
        assert.equal(ref.toString(), str(c, 'combined'));
      });
    });
  });

  describe('TestWithDigest', () => {
    cases('TestWithDigest').forEach((c, i) => {
      test(label(i, str(c, 'combined')), () => {
        let ref = withName(str(c, 'name'));
        if (opt(c.tag)) ref = withTag(ref, str(c, 'tag'));
        ref = withDigest(ref, str(c, 'digest'));
        assert.equal(ref.toString(), str(c, 'combined'));
      });
    });
  });

  describe('TestParseNamed', () => {
    cases('TestParseNamed').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        if (c.valid === false) return throwsReason(() => parseNamed(input), str(c, 'error'));
        const ref = parseNamed(input);
        assert.equal(ref.domain, str(c, 'domain'));
        assert.equal(ref.path, str(c, 'path'));
      });
    });
  });

  for (const suite of ['TestValidateReferenceName', 'TestValidateRemoteName']) {
    describe(suite, () => {
      const s = vectors.suites[suite];
      (s?.valid ?? []).forEach((c, i) => {
        const input = str(c, 'input');
        test(`valid ${label(i, input)}`, () => {
          parseNormalizedNamed(input);
        });
      });
      (s?.invalid ?? []).forEach((c, i) => {
        const input = str(c, 'input');
        test(`invalid ${label(i, input)}`, () => {
          assert.throws(() => parseNormalizedNamed(input), InvalidReferenceError);
        });
      });
    });
  }

  describe('TestParseRepositoryInfo', () => {
    cases('TestParseRepositoryInfo').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        const ref = parseNormalizedNamed(input);
        assert.equal(familiarName(ref), str(c, 'familiarName'));
        assert.equal(ref.toString(), str(c, 'normalized'));
        assert.equal(ref.domain, str(c, 'domain'));
        assert.equal(ref.path, str(c, 'path'));
      });
    });
  });

  describe('TestParseReferenceWithTagAndDigest', () => {
    cases('TestParseReferenceWithTagAndDigest').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        const ref = parseNormalizedNamed(input);
        assert.equal(ref.toString(), str(c, 'normalized'));
        assert.ok(ref.tag !== undefined && ref.digest !== undefined, 'must be tagged and digested');
        assert.equal(familiarString(ref), str(c, 'familiarString'));
      });
    });
  });

  describe('TestInvalidReferenceComponents', () => {
    const calls: Record<string, () => unknown> = {
      'ParseNormalizedNamed("-foo")': () => parseNormalizedNamed('-foo'),
      'WithTag(ParseNormalizedNamed("busybox"), "-foo")': () => withTag(parseNormalizedNamed('busybox'), '-foo'),
      'WithDigest(ParseNormalizedNamed("busybox"), "foo")': () => withDigest(parseNormalizedNamed('busybox'), 'foo'),
    };
    cases('TestInvalidReferenceComponents').forEach((c, i) => {
      const call = str(c, 'call');
      test(label(i, call), () => {
        const run = calls[call];
        assert.ok(run, `no transcription of ${call}`);
        assert.equal(c.expectError, true);
        assert.throws(run, InvalidReferenceError);
      });
    });
  });

  describe('TestParseAnyReference', () => {
    cases('TestParseAnyReference').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        const ref = parseAnyReference(input);
        assert.equal(ref.toString(), str(c, 'string'));
        if (c.expectedKind === 'digestReference') {
          assert.equal(ref.kind, 'digest');
          assert.equal(ref.digest, str(c, 'expectedValue'));
        } else {
          assert.equal(c.expectedKind, 'same-as-Parse(string)');
          assert.deepEqual(ref, parseReference(str(c, 'string')));
        }
      });
    });
  });

  describe('TestNormalizedSplitHostname', () => {
    cases('TestNormalizedSplitHostname').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => {
        const ref = parseNormalizedNamed(input);
        assert.equal(ref.domain, str(c, 'domain'));
        assert.equal(ref.path, str(c, 'path'));
      });
    });
  });

  describe('TestMatchError', () => {
    cases('TestMatchError').forEach((c, i) => {
      test(label(i, str(c, 'pattern')), () => {
        const ref = parseAnyReference(str(c, 'reference'));
        assert.throws(() => familiarMatch(str(c, 'pattern'), ref), InvalidPatternError);
      });
    });
  });

  describe('TestMatch', () => {
    cases('TestMatch').forEach((c, i) => {
      test(`${label(i, str(c, 'reference'))} ~ ${str(c, 'pattern')}`, () => {
        const ref = parseAnyReference(str(c, 'reference'));
        assert.equal(familiarMatch(str(c, 'pattern'), ref), c.expected);
      });
    });
  });

  describe('TestParseDockerRef', () => {
    cases('TestParseDockerRef').forEach((c, i) => {
      test(`${label(i, str(c, 'input'))} ${str(c, 'name')}`, () => {
        const ref = parseDockerRef(str(c, 'input'));
        assert.equal(ref.toString(), str(c, 'expected'));
        parseReference(str(c, 'expected'));
      });
    });
  });

  describe('TestDomainRegexp', () => {
    cases('TestDomainRegexp').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => assert.equal(anchoredDomainRegexp.test(input), c.match));
    });
  });

  for (const [suite, re] of [
    ['TestFullNameRegexp', anchoredNameRegexp],
    ['TestReferenceRegexp', referenceRegexp],
  ] as const) {
    describe(suite, () => {
      cases(suite).forEach((c, i) => {
        const input = str(c, 'input');
        test(label(i, input), () => {
          const m = re.exec(input);
          if (c.match === false) return assert.equal(m, null);
          assert.ok(m, 'must match');
          assert.equal(m[0], input);
          ((c.subs as string[] | undefined) ?? []).forEach((sub, k) => assert.equal(m[k + 1] ?? '', sub, `group ${k + 1}`));
        });
      });
    });
  }

  describe('TestIdentifierRegexp', () => {
    cases('TestIdentifierRegexp').forEach((c, i) => {
      const input = str(c, 'input');
      test(label(i, input), () => assert.equal(anchoredIdentifierRegexp.test(input), c.match));
    });
  });
});

const APIS = {
  parse: (s: string): AnyReference => parseReference(s),
  parseNormalizedNamed: (s: string): AnyReference => parseNormalizedNamed(s),
  parseDockerRef: (s: string): AnyReference => parseDockerRef(s),
  parseAnyReference: (s: string): AnyReference => parseAnyReference(s),
} as const;

const NON_SENTINEL: ReferenceErrorReason[] = ['UppercaseRepository', 'IdentifierAsName'];

describe('distribution/reference oracle (oracle.json)', { skip: oracle ? false : NO_CONFORMANCE }, () => {
  if (!oracle) return;

  test('regexps equal upstream compiled patterns', () => {
    const ours = (re: RegExp) => re.source.replaceAll('\\/', '/');
    const theirs = (k: string) => (oracle.patterns[k] ?? '').replaceAll('[[:xdigit:]]', '[0-9A-Fa-f]');
    assert.equal(ours(referenceRegexp), theirs('reference'));
    assert.equal(ours(anchoredNameRegexp), theirs('anchoredName'));
    assert.equal(ours(anchoredDomainRegexp), theirs('anchoredDomainAndPort'));
    assert.equal(ours(anchoredIdentifierRegexp), theirs('anchoredIdentifier'));
    assert.equal(ours(tagRegexp), theirs('tag'));
    assert.equal(ours(digestRegexp), theirs('digest'));
  });

  for (const api of Object.keys(APIS) as Array<keyof typeof APIS>) {
    describe(api, () => {
      oracle.results.forEach((r, i) => {
        const want = r[api];
        test(label(i, r.input), () => {
          const run = () => APIS[api](r.input);
          if (!want.valid) {
            return assert.throws(run, (err: unknown) => {
              assert.ok(err instanceof InvalidReferenceError, `expected InvalidReferenceError, got ${String(err)}`);
              if (want.error) {
                assert.equal(err.reason, want.error);
              } else {
                // Upstream's fmt.Errorf errors: no sentinel; our message carries the same facts.
                assert.ok(NON_SENTINEL.includes(err.reason), `unexpected reason ${err.reason}`);
                const upper = /repository name \((.*)\) must be lowercase/.exec(want.errorMessage ?? '');
                if (upper) {
                  assert.equal(err.reason, 'UppercaseRepository');
                  assert.ok(err.message.includes(`repository name "${upper[1]}" must be lowercase`), err.message);
                } else {
                  assert.match(want.errorMessage ?? '', /cannot specify 64-byte hexadecimal strings/);
                  assert.equal(err.reason, 'IdentifierAsName');
                }
              }
              return true;
            });
          }
          const ref = run();
          assert.equal(ref.toString(), want.string);
          assert.equal(ref.digest, want.digest);
          if (want.name === undefined) {
            assert.equal(ref.kind, 'digest');
            assert.equal(ref.familiarString(), want.string);
            return;
          }
          assert.equal(ref.kind, 'named');
          if (ref.kind !== 'named') return;
          assert.equal(ref.name, want.name);
          assert.equal(ref.domain, want.domain);
          assert.equal(ref.path, want.path);
          assert.equal(ref.familiarName, want.familiarName);
          assert.equal(ref.familiarString(), want.familiarString);
          assert.equal(ref.tag, want.tag);
        });
      });
    });
  }
});

describe('reference API beyond the vectors', () => {
  test('values are frozen and serialize as their string', () => {
    const ref = parseNormalizedNamed('nginx:1.25');
    assert.ok(Object.isFrozen(ref));
    assert.throws(() => {
      (ref as { tag: string | undefined }).tag = 'x';
    }, TypeError);
    assert.equal(JSON.stringify({ ref }), '{"ref":"docker.io/library/nginx:1.25"}');
  });

  test('sha512 digests are accepted only when asked for', () => {
    const input = `repo@sha512:${'f'.repeat(128)}`;
    throwsReason(() => parseReference(input), 'digest.ErrDigestUnsupported');
    assert.equal(parseReference(input, { digestAlgorithms: ['sha256', 'sha512'] }).digest, `sha512:${'f'.repeat(128)}`);
    const bare = `sha512:${'a'.repeat(128)}`;
    assert.equal(parseAnyReference(bare).kind, 'named'); // upstream reads it as library/sha512:<tag>
    assert.equal(parseAnyReference(bare, { digestAlgorithms: ['sha512'] }).kind, 'digest');
  });

  test('digest errors name the problem', () => {
    throwsReason(() => parseReference(`repo@sha256:${'F'.repeat(64)}`), 'digest.ErrDigestInvalidFormat');
    throwsReason(() => parseReference(`repo@SHA256:${'f'.repeat(64)}`), 'digest.ErrDigestInvalidFormat');
    assert.throws(() => parseReference(`repo@sha256:${'f'.repeat(40)}`), /40 hex characters; sha256 needs 64/);
  });

  test('messages say what is wrong in plain words', () => {
    assert.throws(() => parseReference('Nginx'), /invalid reference "Nginx": repository name must be lowercase/);
    assert.throws(() => parseNormalizedNamed('nginx:-bad'), /invalid tag "-bad"/);
    assert.throws(() => parseNormalizedNamed('https://example.com/app'), /no URL scheme \(drop "https:\/\/"\)/);
    assert.throws(() => parseNormalizedNamed('ngi nx'), /whitespace/);
    assert.throws(() => parseNormalizedNamed('docker///docker'), /empty component/);
    assert.throws(() => parseNormalizedNamed('docker/dock..er'), /component "dock..er" must start and end/);
    assert.throws(() => parseNormalizedNamed('dock..er/docker'), /"dock..er" is not a valid registry host\[:port\]/);
    assert.throws(() => parseNormalizedNamed('docker/do$cker'), /invalid character "\$" in repository name component "do\$cker"/);
    assert.throws(() => parseNormalizedNamed('nginx@sha256:abc'), /invalid digest "sha256:abc"/);
    assert.throws(() => parseReference(`example.com/${'a'.repeat(256)}`), /reference too long/);
    assert.throws(() => parseNamed('nginx'), /did you mean "docker.io\/library\/nginx"/);
    assert.throws(() => parseNormalizedNamed('a'.repeat(64)), /image ID, not a repository name/);
    const long = `x/${'a'.repeat(300)}:tag`;
    assert.throws(() => parseReference(long), (err: unknown) => {
      assert.ok(err instanceof InvalidReferenceError);
      assert.equal(err.details.input, long);
      assert.ok(err.message.length < 220, 'message cuts long inputs');
      return true;
    });
  });

  test('trimNamed, tagNameOnly and withTag keep the other parts', () => {
    const ref = parseReference(`example.com:5000/app:v1@sha256:${'e'.repeat(64)}`);
    assert.equal(trimNamed(ref).toString(), 'example.com:5000/app');
    assert.equal(tagNameOnly(trimNamed(ref)).toString(), 'example.com:5000/app:latest');
    assert.equal(tagNameOnly(ref), ref);
    assert.equal(withTag(ref, 'v2').toString(), `example.com:5000/app:v2@sha256:${'e'.repeat(64)}`);
    throwsReason(() => withTag(ref, '.bad'), 'ErrTagInvalidFormat');
  });

  test('familiarMatch follows path.Match (escapes, classes, negation)', () => {
    const ref = parseNormalizedNamed('library/redis:7');
    assert.equal(familiarMatch('redis', ref), true);
    assert.equal(familiarMatch('red?s:[0-9]', ref), true);
    assert.equal(familiarMatch('redis:[^0-9]', ref), false);
    assert.equal(familiarMatch('re\\dis', ref), true);
    assert.equal(familiarMatch('*', parseNormalizedNamed('a/b')), false);
    assert.throws(() => familiarMatch('nomatch[', ref), InvalidPatternError);
    assert.throws(() => familiarMatch('x\\', ref), InvalidPatternError);
    assert.equal(familiarMatch('sha256:*', parseAnyReference('a'.repeat(64))), true);
  });

  test('normalizeReferenceForDisplay never throws', () => {
    assert.deepEqual(normalizeReferenceForDisplay('nginx'), {
      ok: true,
      normalized: 'docker.io/library/nginx',
      familiar: 'nginx',
    });
    assert.deepEqual(normalizeReferenceForDisplay('localhost:5000/app:dev'), {
      ok: true,
      normalized: 'localhost:5000/app:dev',
      familiar: 'localhost:5000/app:dev',
    });
    const bad = normalizeReferenceForDisplay('Docker/Nginx');
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.error.code, 'INVALID_REFERENCE');
      assert.equal(bad.error.details?.reason, 'UppercaseRepository');
    }
    assert.equal(normalizeReferenceForDisplay(42 as unknown as string).ok, false);
  });
});
