import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { conformancePath, NO_CONFORMANCE } from '../util/conformance.ts';
import { StrataError } from '../util/errors.ts';
import { sha256Digest } from './digest.ts';
import { OCI_JSON_SCHEMAS, OCI_VALIDATOR_MEDIA_TYPES, OciValidationError, validateOciDocument } from './validate.ts';

// Shapes of oci-image-spec/schema-tests.json and spec-examples.json (../shared/conformance/README.md §5).
interface SchemaCase {
  description: string | null;
  document: string;
  fail: boolean;
  wellFormedJSON?: boolean;
  digest?: string;
}
interface Suite {
  file: string;
  validator: string;
  cases: SchemaCase[];
}
interface SchemaTests {
  suites: Record<string, Suite>;
  backwardsCompatibility: { convertFormatsMap: Record<string, string>; suites: Record<string, Suite> };
}
interface SpecExamples {
  examples: Array<{ file: string; line: number; title: string; mediaType: string; document: string }>;
}

const dir = conformancePath('oci-image-spec');
const schemaTests = dir ? (JSON.parse(readFileSync(`${dir}/schema-tests.json`, 'utf8')) as SchemaTests) : null;
const specExamples = dir ? (JSON.parse(readFileSync(`${dir}/spec-examples.json`, 'utf8')) as SpecExamples) : null;

/** label names a case by index and upstream comment, so repeated comments stay distinct. */
function label(i: number, description: string | null): string {
  return `#${i} ${description ?? '(no description)'}`;
}

/** rejects asserts an OCI_INVALID error for mediaType and returns its details. */
function rejects(mediaType: string, doc: string | Uint8Array): { path: string; reason: string; message: string } {
  let caught: unknown;
  try {
    validateOciDocument(mediaType, doc);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof OciValidationError, `expected OciValidationError, got ${String(caught)}`);
  assert.ok(caught instanceof StrataError);
  assert.equal(caught.code, 'OCI_INVALID');
  assert.equal(caught.details.mediaType, mediaType);
  assert.equal(typeof caught.details.path, 'string');
  assert.ok(caught.details.reason.length > 0);
  return { ...caught.details, message: caught.message };
}

function accepts(mediaType: string, doc: string | Uint8Array): void {
  assert.doesNotThrow(() => validateOciDocument(mediaType, doc));
}

function runCase(validator: string, c: SchemaCase, doc = c.document): void {
  if (c.fail) rejects(validator, doc);
  else accepts(validator, doc);
}

describe('image-spec schema tests (schema-tests.json)', { skip: schemaTests ? false : NO_CONFORMANCE }, () => {
  if (!schemaTests) return;

  test('has 67 cases, 40 expecting failure, plus 4 Docker-compat cases', () => {
    const all = Object.values(schemaTests.suites).flatMap((s) => s.cases);
    assert.equal(all.length, 67);
    assert.equal(all.filter((c) => c.fail).length, 40);
    assert.equal(Object.values(schemaTests.backwardsCompatibility.suites).flatMap((s) => s.cases).length, 4);
  });

  for (const [name, suite] of Object.entries(schemaTests.suites)) {
    describe(`${name} (${suite.validator})`, () => {
      suite.cases.forEach((c, i) => test(label(i, c.description), () => runCase(suite.validator, c)));
    });
  }

  const compat = schemaTests.backwardsCompatibility;
  for (const [name, suite] of Object.entries(compat.suites)) {
    describe(`${name} (${suite.validator})`, () => {
      suite.cases.forEach((c, i) => {
        test(label(i, c.description), () => {
          assert.equal(sha256Digest(Buffer.from(c.document, 'utf8')), c.digest, 'document bytes changed');
          // Upstream's convertFormats: plain replacement of each Docker media type by its OCI one.
          let converted = c.document;
          for (const [docker, oci] of Object.entries(compat.convertFormatsMap)) converted = converted.replaceAll(docker, oci);
          runCase(suite.validator, c, converted);
        });
        test(`${label(i, c.description)} (unconverted, under its Docker media type)`, () => {
          const docker = Object.entries(compat.convertFormatsMap).find(([, oci]) => oci === suite.validator)?.[0];
          assert.ok(docker && OCI_VALIDATOR_MEDIA_TYPES[docker] !== undefined, `no Docker type for ${suite.validator}`);
          runCase(docker, c, c.document);
        });
      });
    });
  }
});

describe('image-spec examples (spec-examples.json)', { skip: specExamples ? false : NO_CONFORMANCE }, () => {
  if (!specExamples) return;
  test('has 13 examples', () => assert.equal(specExamples.examples.length, 13));
  for (const e of specExamples.examples) {
    test(`${e.file}:${e.line} ${e.title} (${e.mediaType})`, () => accepts(e.mediaType, e.document));
  }
});

describe('embedded schemas match image-spec schema/*.json', { skip: dir ? false : NO_CONFORMANCE }, () => {
  if (!dir) return;
  const withoutDescriptions = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(withoutDescriptions);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'description').map(([k, x]) => [k, withoutDescriptions(x)]));
    }
    return v;
  };
  const files = readdirSync(`${dir}/schema`).filter((f) => f.endsWith('.json'));
  test('same set of files', () => assert.deepEqual(Object.keys(OCI_JSON_SCHEMAS).sort(), files.sort()));
  for (const f of files) {
    test(f, () => {
      const upstream = withoutDescriptions(JSON.parse(readFileSync(`${dir}/schema/${f}`, 'utf8')));
      assert.deepEqual(OCI_JSON_SCHEMAS[f], upstream);
    });
  }
});

// Our own cases: what Go's encoding/json, go-digest and the formats do beyond the vectors, on input
// a hostile registry could send. Each expectation follows the upstream code path named in the test.
const DESCRIPTOR = 'application/vnd.oci.descriptor.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYOUT = 'application/vnd.oci.layout.header.v1+json';
const HEX = '5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';

const descriptor = (extra: string, digest = `sha256:${HEX}`): string =>
  `{"mediaType":"application/octet-stream","size":7682,"digest":"${digest}"${extra}}`;
const config = (extra: string, cfg = '{}'): string =>
  `{"architecture":"amd64","os":"linux","config":${cfg},"rootfs":{"type":"layers","diff_ids":[]}${extra}}`;
const manifest = (layers: string): string =>
  `{"schemaVersion":2,"config":${descriptor('')},"layers":[${layers}]}`;

describe('validateOciDocument errors', () => {
  test('reports the JSON pointer, line and column of the offending value', () => {
    const badLayer = descriptor('').replace('7682', '"7682"');
    const doc = `{\n  "schemaVersion": 2,\n  "config": ${descriptor('')},\n  "layers": [\n    ${badLayer}\n  ]\n}`;
    const e = rejects(MANIFEST, doc);
    assert.equal(e.path, '/layers/0/size');
    assert.match(e.reason, /expected an integer, got string/);
    assert.equal(e.message, `invalid image manifest (${MANIFEST}) at /layers/0/size, line 5 column 52: ${e.reason}`);
  });
  test('names the missing required property', () => {
    const e = rejects(DESCRIPTOR, '{"mediaType":"a/b","digest":"sha256:' + HEX + '"}');
    assert.equal(e.path, '');
    assert.match(e.reason, /missing required property "size"/);
  });
  test('malformed JSON gives the position of the bad character', () => {
    const e = rejects(LAYOUT, '{\n  "imageLayoutVersion": 1.0.0\n}');
    assert.equal(e.path, '');
    assert.match(e.message, /line 2 column 28: malformed JSON: invalid character "\." after object key:value pair/);
  });
  test('an unknown media type is refused', () => {
    const e = rejects('application/vnd.oci.image.layer.v1.tar', '{}');
    assert.match(e.reason, /no OCI validator for media type/);
  });
  test('accepts bytes as well as strings', () => accepts(LAYOUT, Buffer.from('{"imageLayoutVersion":"1.0.0"}')));
});

describe('validateOciDocument: JSON syntax as Go reads it', () => {
  test('a UTF-8 byte order mark is refused', () => void rejects(LAYOUT, '\uFEFF{"imageLayoutVersion":"1.0.0"}'));
  test('trailing data after the document is refused', () => void rejects(LAYOUT, '{"imageLayoutVersion":"1.0.0"} {}'));
  test('an empty document is refused', () => assert.match(rejects(LAYOUT, '').reason, /unexpected end of JSON input$/));
  test('a raw control character in a string is refused', () => void rejects(LAYOUT, '{"imageLayoutVersion":"1.0.0","x":"a\tb"}'));
  test('10000 nested arrays are read, 10001 are refused', () => {
    const nested = (n: number): string => `{"imageLayoutVersion":"1.0.0","x":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    accepts(LAYOUT, nested(10000));
    assert.match(rejects(LAYOUT, nested(10001)).reason, /exceeded max nesting depth/);
  });
  test('escaped keys are decoded before matching', () => void rejects(LAYOUT, '{"imageLayoutVersio\\u006e":"2.0.0"}'));
  test('a lone surrogate escape becomes U+FFFD and is accepted where any string is', () =>
    accepts(DESCRIPTOR, descriptor(',"annotations":{"k":"\\ud800x"}')));
});

describe('validateOciDocument: Go typed unmarshal', () => {
  test('a schema-valid last duplicate does not hide a mistyped first one', () =>
    void rejects(DESCRIPTOR, descriptor(',"size":"1","size":1')));
  test('without a Go struct (oci-layout) only the last duplicate counts', () =>
    accepts(LAYOUT, '{"imageLayoutVersion":1,"imageLayoutVersion":"1.0.0"}'));
  test('keys match Go fields case-insensitively (SIZE)', () => void rejects(DESCRIPTOR, descriptor(',"SIZE":"x"')));
  test('keys match Go fields by Unicode folding (\u017fize)', () => void rejects(DESCRIPTOR, descriptor(',"\u017fize":"x"')));
  test('an unknown key may hold anything', () => accepts(DESCRIPTOR, descriptor(',"sizes":"x"')));
  test('size 1.0 is not an int64', () => void rejects(DESCRIPTOR, descriptor('').replace('7682', '1.0')));
  test('size 1e3 is not an int64', () => void rejects(DESCRIPTOR, descriptor('').replace('7682', '1e3')));
  test('size 2^63-1 is accepted', () => accepts(DESCRIPTOR, descriptor('').replace('7682', '9223372036854775807')));
  test('size 2^63 overflows int64', () => void rejects(DESCRIPTOR, descriptor('').replace('7682', '9223372036854775808')));
  test('data may wrap base64 with newlines', () =>
    accepts(DESCRIPTOR, descriptor(',"data":"aHR0cHM6Ly9naXRodWIuY29tL29w\\nZW5jb250YWluZXJzCg=="')));
  test('data padding in the middle is refused', () => void rejects(DESCRIPTOR, descriptor(',"data":"e3==e30="')));
  test('platform in a descriptor must be an object', () => void rejects(DESCRIPTOR, descriptor(',"platform":"linux"')));
  test('null is accepted wherever Go decodes it as "unchanged" and the schema does not look', () =>
    accepts(DESCRIPTOR, descriptor(',"platform":null,"Annotations":null')));
  test('created with a JSON escape is refused (Go parses the raw bytes)', () =>
    void rejects(CONFIG, config(',"created":"2015-10-31T22:22:56\\u005a"')));
  test('created with a leap second is refused (Go time has none)', () =>
    void rejects(CONFIG, config(',"created":"2016-12-31T23:59:60Z"')));
  test('created on 30 February is refused', () => void rejects(CONFIG, config(',"created":"2015-02-30T00:00:00Z"')));
  test('created with an offset is accepted', () => accepts(CONFIG, config(',"created":"2015-10-31T22:22:56.1+01:00"')));
});

describe('validateOciDocument: validator.go checks', () => {
  test('descriptor sha512 digest is checked for length', () => {
    accepts(DESCRIPTOR, descriptor('', `sha512:${HEX}${HEX}`));
    assert.match(rejects(DESCRIPTOR, descriptor('', `sha512:${HEX}`)).reason, /sha512 needs 128 hex/);
  });
  test('descriptor sha384 is a known algorithm', () => void rejects(DESCRIPTOR, descriptor('', `sha384:${HEX}`)));
  test('an unknown but well-formed algorithm is tolerated (constructor:abc)', () =>
    accepts(DESCRIPTOR, descriptor('', 'constructor:abc')));
  test('the digest Go keeps is the last non-null one, at its own key', () => {
    assert.equal(rejects(DESCRIPTOR, descriptor(',"DIGEST":"sha256:abc"')).path, '/DIGEST');
    // Go keeps the first digest, so digest.Validate passes; the schema then sees the last one, null.
    assert.match(rejects(DESCRIPTOR, descriptor(',"digest":null')).reason, /^expected string, got null$/);
  });
  test('nested digests are only pattern-checked, as upstream does', () =>
    accepts(MANIFEST, manifest(descriptor('', 'sha256:ABC'))));
  test('Env values may not continue past a newline', () =>
    assert.equal(rejects(CONFIG, config('', '{"env":["A=b\\nc"]}')).path, '/config/env/0'));
  test('Env names may contain a newline', () => accepts(CONFIG, config('', '{"Env":["A\\nB=c"]}')));
  test('only the Env Go ends up with is checked', () =>
    accepts(CONFIG, config(',"config":{"User":"u"}', '{"Env":["bad"],"Env":["A=b"]}')));
  test('Env may be null for Go but not for the schema', () => void rejects(CONFIG, config('', '{"Env":null}')));
  // Upstream's own Env/Volumes cases also carry "os": 123, which fails first; these isolate the rule.
  test('an Env entry must be a string', () => assert.equal(rejects(CONFIG, config('', '{"Env":[7353]}')).path, '/config/Env/0'));
  test('Volumes must be an object, not an array', () =>
    assert.equal(rejects(CONFIG, config('', '{"Volumes":["/var/log"]}')).path, '/config/Volumes'));
});

describe('validateOciDocument: JSON Schema rules', () => {
  test('a manifest needs at least one layer (schema minItems 1)', () => void rejects(MANIFEST, manifest('')));
  test('annotation values must be strings', () => void rejects(DESCRIPTOR, descriptor(',"annotations":{"k":1}')));
  test('Volumes and Labels may be null, Cmd may be null', () =>
    accepts(CONFIG, config('', '{"Volumes":null,"Labels":null,"Cmd":null,"Entrypoint":null}')));
  test('rootfs.type must be "layers"', () =>
    void rejects(CONFIG, '{"architecture":"amd64","os":"linux","rootfs":{"type":"tar","diff_ids":[]}}'));
  test('history[].created must be a date-time', () =>
    void rejects(CONFIG, config(',"history":[{"created":"yesterday"}]')));
  const urls: Array<[string, boolean]> = [
    ['https://example.com/foo', true],
    ['HTTP://EXAMPLE.COM', true],
    ['http://[::1]:5000/v2/', true],
    ['mailto:someone@example.com', true],
    ['http://user:pa%20ss@host/x?y#z', true],
    ['value', false],
    ['/relative/path', false],
    ['http://a b/', false],
    ['http://host:port/', false],
    ['http://::1/', false],
    ['http://[fe80::1%25en0]/', false],
    ['http://[::1/', false],
    ['http://[example.com]/', false],
    ['http://host/%zz', false],
    ['http://host/#%zz', false],
    ['http://h\u00e9/', false],
    ['1http://x', false],
  ];
  for (const [url, ok] of urls) {
    test(`urls entry ${JSON.stringify(url)} is ${ok ? 'accepted' : 'refused'}`, () => {
      const doc = descriptor(`,"urls":[${JSON.stringify(url)}]`);
      if (ok) accepts(DESCRIPTOR, doc);
      else assert.equal(rejects(DESCRIPTOR, doc).path, '/urls/0');
    });
  }
});
