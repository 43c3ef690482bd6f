import { isIPv6 } from 'node:net';
import { StrataError } from '../util/errors.ts';
import { MediaType } from './media-types.ts';

// Validation of OCI image-spec documents exactly as upstream's `schema.Validator(mediaType).Validate`
// (image-spec schema/validator.go) decides, so documents from registries (hostile input) are refused
// with a precise place and reason. Upstream runs three layers, and so do we, in the same order:
//   1. Go's encoding/json: strict JSON syntax, then a typed unmarshal into the specs-go structs
//      (a string where an int64 goes, a size of 1.0, bad base64 in `data`, a bad RFC 3339 time...);
//   2. the validator's own checks: go-digest Validate() for a top-level descriptor, config Env entries;
//   3. the draft-04 JSON Schemas (schema/*.json), embedded below and run by a small interpreter with
//      the semantics of santhosh-tekuri/jsonschema v6 (format "uri" and "date-time" asserted).
// We parse JSON ourselves to keep what Go sees and JSON.parse loses: number lexemes, raw string
// text, every duplicate key, and offsets for line/column.

export type OciDocumentKind = 'descriptor' | 'manifest' | 'index' | 'config' | 'layout';

/** The fields of OciValidationError.details: the media type validated, a JSON pointer, the reason. */
export type OciValidationDetails = { mediaType: string; path: string; reason: string };

export class OciValidationError extends StrataError {
  declare readonly details: OciValidationDetails;
  constructor(mediaType: string, path: string, reason: string, message: string) {
    super('OCI_INVALID', message, { mediaType, path, reason });
  }
}

/** OCI_VALIDATOR_MEDIA_TYPES maps each media type we validate to its document kind. Docker schema2
 * types get the OCI rules, as upstream's backwards-compatibility tests do (their only difference is
 * media type strings, which the rules treat alike). */
export const OCI_VALIDATOR_MEDIA_TYPES: Readonly<Record<string, OciDocumentKind>> = {
  'application/vnd.oci.descriptor.v1+json': 'descriptor',
  'application/vnd.oci.layout.header.v1+json': 'layout',
  [MediaType.ociManifest]: 'manifest',
  [MediaType.ociIndex]: 'index',
  [MediaType.ociConfig]: 'config',
  [MediaType.dockerManifest]: 'manifest',
  [MediaType.dockerManifestList]: 'index',
  [MediaType.dockerConfig]: 'config',
};

const KIND_LABEL: Record<OciDocumentKind, string> = {
  descriptor: 'content descriptor',
  manifest: 'image manifest',
  index: 'image index',
  config: 'image config',
  layout: 'oci-layout file',
};

/** validateOciDocument throws OciValidationError unless `bytes` is a valid document of `mediaType`
 * under the image-spec rules (schema/validator.go + schema/*.json); see OCI_VALIDATOR_MEDIA_TYPES. */
export function validateOciDocument(mediaType: string, bytes: Uint8Array | string): void {
  const kind = Object.hasOwn(OCI_VALIDATOR_MEDIA_TYPES, mediaType) ? OCI_VALIDATOR_MEDIA_TYPES[mediaType] : undefined;
  if (!kind) {
    const reason = `no OCI validator for media type ${quote(mediaType)}`;
    throw new OciValidationError(mediaType, '', reason, reason);
  }
  const text = decodeUtf8(bytes);
  const problem = findProblem(kind, text);
  if (!problem) return;
  const { line, column } = lineColumn(text, problem.at);
  const message = `invalid ${KIND_LABEL[kind]} (${mediaType}) at ${problem.path || '/'}, line ${line} column ${column}: ${problem.reason}`;
  throw new OciValidationError(mediaType, problem.path, problem.reason, message);
}

/** OCI_JSON_SCHEMAS are image-spec's schema/*.json (commit 13cff549), verbatim but for the
 * `description` annotations; validate.test.ts compares them with the upstream files. */
export const OCI_JSON_SCHEMAS: Readonly<Record<string, Schema>> = {
  'image-manifest-schema.json': {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: 'https://opencontainers.org/schema/image/manifest',
    type: 'object',
    properties: {
      schemaVersion: {
        id: 'https://opencontainers.org/schema/image/manifest/schemaVersion',
        type: 'integer',
        minimum: 2,
        maximum: 2,
      },
      mediaType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
      artifactType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
      config: { $ref: 'content-descriptor.json' },
      subject: { $ref: 'content-descriptor.json' },
      layers: { type: 'array', minItems: 1, items: { $ref: 'content-descriptor.json' } },
      annotations: {
        id: 'https://opencontainers.org/schema/image/manifest/annotations',
        $ref: 'defs-descriptor.json#/definitions/annotations',
      },
    },
    required: ['schemaVersion', 'config', 'layers'],
  },
  'image-index-schema.json': {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: 'https://opencontainers.org/schema/image/index',
    type: 'object',
    properties: {
      schemaVersion: {
        id: 'https://opencontainers.org/schema/image/index/schemaVersion',
        type: 'integer',
        minimum: 2,
        maximum: 2,
      },
      mediaType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
      artifactType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
      subject: { $ref: 'content-descriptor.json' },
      manifests: {
        type: 'array',
        items: {
          id: 'https://opencontainers.org/schema/image/manifestDescriptor',
          type: 'object',
          required: ['mediaType', 'size', 'digest'],
          properties: {
            mediaType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
            size: { $ref: 'defs.json#/definitions/int64' },
            digest: { $ref: 'defs-descriptor.json#/definitions/digest' },
            urls: { $ref: 'defs-descriptor.json#/definitions/urls' },
            platform: {
              id: 'https://opencontainers.org/schema/image/platform',
              type: 'object',
              required: ['architecture', 'os'],
              properties: {
                architecture: { id: 'https://opencontainers.org/schema/image/platform/architecture', type: 'string' },
                os: { id: 'https://opencontainers.org/schema/image/platform/os', type: 'string' },
                'os.version': { id: 'https://opencontainers.org/schema/image/platform/os.version', type: 'string' },
                'os.features': {
                  id: 'https://opencontainers.org/schema/image/platform/os.features',
                  type: 'array',
                  items: { type: 'string' },
                },
                variant: { type: 'string' },
              },
            },
            annotations: {
              id: 'https://opencontainers.org/schema/image/descriptor/annotations',
              $ref: 'defs-descriptor.json#/definitions/annotations',
            },
          },
        },
      },
      annotations: {
        id: 'https://opencontainers.org/schema/image/index/annotations',
        $ref: 'defs-descriptor.json#/definitions/annotations',
      },
    },
    required: ['schemaVersion', 'manifests'],
  },
  'config-schema.json': {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: 'https://opencontainers.org/schema/image/config',
    type: 'object',
    properties: {
      created: { type: 'string', format: 'date-time' },
      author: { type: 'string' },
      architecture: { type: 'string' },
      variant: { type: 'string' },
      os: { type: 'string' },
      'os.version': { type: 'string' },
      'os.features': { type: 'array', items: { type: 'string' } },
      config: {
        type: 'object',
        properties: {
          User: { type: 'string' },
          ExposedPorts: { $ref: 'defs.json#/definitions/mapStringObject' },
          Env: { type: 'array', items: { type: 'string' } },
          Entrypoint: { oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
          Cmd: { oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
          Volumes: { oneOf: [{ $ref: 'defs.json#/definitions/mapStringObject' }, { type: 'null' }] },
          WorkingDir: { type: 'string' },
          Labels: { oneOf: [{ $ref: 'defs.json#/definitions/mapStringString' }, { type: 'null' }] },
          StopSignal: { type: 'string' },
          ArgsEscaped: { type: 'boolean' },
        },
      },
      rootfs: {
        type: 'object',
        properties: { diff_ids: { type: 'array', items: { type: 'string' } }, type: { type: 'string', enum: ['layers'] } },
        required: ['diff_ids', 'type'],
      },
      history: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            created: { type: 'string', format: 'date-time' },
            author: { type: 'string' },
            created_by: { type: 'string' },
            comment: { type: 'string' },
            empty_layer: { type: 'boolean' },
          },
        },
      },
    },
    required: ['architecture', 'os', 'rootfs'],
  },
  'content-descriptor.json': {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: 'https://opencontainers.org/schema/descriptor',
    type: 'object',
    properties: {
      mediaType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
      size: { $ref: 'defs-descriptor.json#/definitions/size' },
      digest: { $ref: 'defs-descriptor.json#/definitions/digest' },
      urls: { $ref: 'defs-descriptor.json#/definitions/urls' },
      data: { $ref: 'defs.json#/definitions/base64' },
      artifactType: { $ref: 'defs-descriptor.json#/definitions/mediaType' },
      annotations: {
        id: 'https://opencontainers.org/schema/descriptor/annotations',
        $ref: 'defs-descriptor.json#/definitions/annotations',
      },
    },
    required: ['mediaType', 'size', 'digest'],
  },
  'defs-descriptor.json': {
    $schema: 'http://json-schema.org/draft-04/schema#',
    definitions: {
      mediaType: {
        id: 'https://opencontainers.org/schema/image/descriptor/mediaType',
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$',
      },
      // The bounds below are written as upstream writes them; as doubles they are 2^63 and 2^64.
      size: { type: 'integer', minimum: 0, maximum: 9223372036854776000 },
      digest: { type: 'string', pattern: '^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' },
      urls: { type: 'array', items: { type: 'string', format: 'uri' } },
      annotations: { $ref: 'defs.json#/definitions/mapStringString' },
    },
  },
  'defs.json': {
    definitions: {
      int8: { type: 'integer', minimum: -128, maximum: 127 },
      int16: { type: 'integer', minimum: -32768, maximum: 32767 },
      int32: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
      int64: { type: 'integer', minimum: -9223372036854776000, maximum: 9223372036854776000 },
      uint8: { type: 'integer', minimum: 0, maximum: 255 },
      uint16: { type: 'integer', minimum: 0, maximum: 65535 },
      uint32: { type: 'integer', minimum: 0, maximum: 4294967295 },
      uint64: { type: 'integer', minimum: 0, maximum: 18446744073709552000 },
      uint16Pointer: { oneOf: [{ $ref: '#/definitions/uint16' }, { type: 'null' }] },
      uint64Pointer: { oneOf: [{ $ref: '#/definitions/uint64' }, { type: 'null' }] },
      base64: { type: 'string', media: { binaryEncoding: 'base64' } },
      stringPointer: { oneOf: [{ type: 'string' }, { type: 'null' }] },
      mapStringString: { type: 'object', patternProperties: { '.{1,}': { type: 'string' } } },
      mapStringObject: { type: 'object', patternProperties: { '.{1,}': { type: 'object' } } },
    },
  },
  'image-layout-schema.json': {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: 'https://opencontainers.org/schema/image/layout',
    type: 'object',
    properties: { imageLayoutVersion: { type: 'string', enum: ['1.0.0'] } },
    required: ['imageLayoutVersion'],
  },
};

const ROOT_SCHEMA: Record<OciDocumentKind, string> = {
  descriptor: 'content-descriptor.json',
  manifest: 'image-manifest-schema.json',
  index: 'image-index-schema.json',
  config: 'config-schema.json',
  layout: 'image-layout-schema.json',
};

interface Problem {
  path: string;
  at: number;
  reason: string;
}

function findProblem(kind: OciDocumentKind, text: string): Problem | null {
  let root: JsonNode;
  try {
    root = readJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { path: '', at: e.at, reason: `malformed JSON: ${e.reason}` };
    throw e;
  }
  // Layer 1+2: upstream's validateManifest/Index/Config/Descriptor; the layout has none.
  const goType = GO_DOCUMENT_TYPES[kind];
  if (goType) {
    const p = goCheck(root, goType, '') ?? validatorChecks(kind, root);
    if (p) return p;
  }
  // Layer 3: the JSON Schema.
  const schemaFile = ROOT_SCHEMA[kind];
  return schemaCheck(schemaAt(schemaFile, ''), root, '', schemaFile);
}

// ---------------------------------------------------------------------------------------------
// JSON reading with Go's encoding/json grammar (RFC 8259, no BOM, nesting capped at 10000).

type JsonNode =
  | { t: 'object'; at: number; keys: string[]; values: JsonNode[]; index?: Map<string, JsonNode> }
  | { t: 'array'; at: number; items: JsonNode[] }
  | { t: 'string'; at: number; value: string; raw: string }
  | { t: 'number'; at: number; raw: string }
  | { t: 'boolean'; at: number; value: boolean }
  | { t: 'null'; at: number };
type ObjectNode = Extract<JsonNode, { t: 'object' }>;
type ArrayNode = Extract<JsonNode, { t: 'array' }>;

/** memberIndex is what a Go map (and so the schema validator) sees: the last duplicate wins. */
function memberIndex(obj: ObjectNode): Map<string, JsonNode> {
  if (!obj.index) {
    obj.index = new Map();
    for (let n = 0; n < obj.keys.length; n++) obj.index.set(obj.keys[n] as string, obj.values[n] as JsonNode);
  }
  return obj.index;
}

/** member is memberIndex(obj).get(key), without building an index for small objects. */
function member(obj: ObjectNode, key: string): JsonNode | undefined {
  if (obj.keys.length > 16) return memberIndex(obj).get(key);
  const n = obj.keys.lastIndexOf(key);
  return n < 0 ? undefined : obj.values[n];
}

class JsonSyntaxError extends Error {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MAX_NESTING = 10_000; // encoding/json scanner's maxNestingDepth

/** decodeUtf8 decodes like Go does: invalid bytes become U+FFFD, a BOM is kept (and then refused). */
function decodeUtf8(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

function readJson(text: string): JsonNode {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new JsonSyntaxError(at, reason);
  };
  const unexpected = (context: string): string =>
    i >= text.length ? 'unexpected end of JSON input' : `invalid character ${JSON.stringify(text[i])} ${context}`;
  const skipWs = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

  const readString = (): Extract<JsonNode, { t: 'string' }> => {
    const start = i++;
    let out = '';
    let seg = i;
    for (;;) {
      if (i >= text.length) fail('unexpected end of JSON input');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(seg, i);
        i++;
        return { t: 'string', at: start, value: out, raw: text.slice(start + 1, i - 1) };
      }
      if (c < 0x20) fail(unexpected('in string literal'));
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(seg, i);
      const e = text[i + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && Object.hasOwn(simple, e)) {
        out += simple[e];
        i += 2;
      } else if (e === 'u') {
        const hex4 = (at: number): number => (/^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4)) ? parseInt(text.slice(at, at + 4), 16) : -1);
        const cp = hex4(i + 2);
        if (cp < 0) fail('invalid character in \\u hexadecimal character escape', i);
        i += 6;
        if (cp >= 0xd800 && cp < 0xe000) {
          // Go pairs a high surrogate with a following \u low surrogate; anything else is U+FFFD.
          const lo = cp < 0xdc00 && text[i] === '\\' && text[i + 1] === 'u' ? hex4(i + 2) : -1;
          if (lo >= 0xdc00 && lo < 0xe000) {
            out += String.fromCharCode(cp, lo);
            i += 6;
          } else out += '\uFFFD';
        } else out += String.fromCharCode(cp);
      } else fail('invalid character in string escape code', i);
      seg = i;
    }
  };

  const readNumber = (): JsonNode => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(text[i])) while (isDigit(text[i])) i++;
    else fail(unexpected('in numeric literal'));
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i])) fail(unexpected('after decimal point in numeric literal'));
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) fail(unexpected('in exponent of numeric literal'));
      while (isDigit(text[i])) i++;
    }
    return { t: 'number', at: start, raw: text.slice(start, i) };
  };

  const readKey = (): string => {
    skipWs();
    if (text[i] !== '"') fail(unexpected('looking for beginning of object key string'));
    const key = readString().value;
    skipWs();
    if (text[i] !== ':') fail(unexpected('after object key'));
    i++;
    return key;
  };

  // Iterative, so hostile nesting cannot exhaust the call stack.
  const open: Array<ObjectNode | ArrayNode> = [];
  const keys: string[] = []; // the pending key of each open object
  for (;;) {
    skipWs();
    const c = text[i];
    let node: JsonNode;
    if (c === '{' || c === '[') {
      if (open.length >= MAX_NESTING) fail('exceeded max nesting depth (10000)');
      const at = i++;
      skipWs();
      if (c === '{') {
        node = { t: 'object', at, keys: [], values: [] };
        if (text[i] !== '}') {
          open.push(node);
          keys.push(readKey());
          continue;
        }
      } else {
        node = { t: 'array', at, items: [] };
        if (text[i] !== ']') {
          open.push(node);
          continue;
        }
      }
      i++;
    } else if (c === '"') node = readString();
    else if (c === '-' || isDigit(c)) node = readNumber();
    else if (text.startsWith('true', i) || text.startsWith('false', i)) {
      node = { t: 'boolean', at: i, value: c === 't' };
      i += c === 't' ? 4 : 5;
    } else if (text.startsWith('null', i)) {
      node = { t: 'null', at: i };
      i += 4;
    } else return fail(unexpected('looking for beginning of value'));

    // Attach the finished value; close every container that ends right after it.
    for (;;) {
      const parent = open[open.length - 1];
      if (!parent) {
        skipWs();
        if (i < text.length) fail(unexpected('after top-level value'));
        return node;
      }
      skipWs();
      if (parent.t === 'object') {
        const key = keys[keys.length - 1] as string;
        parent.keys.push(key);
        parent.values.push(node);
        if (text[i] === ',') {
          i++;
          keys[keys.length - 1] = readKey();
          break;
        }
        if (text[i] !== '}') fail(unexpected('after object key:value pair'));
        keys.pop();
      } else {
        parent.items.push(node);
        if (text[i] === ',') {
          i++;
          break;
        }
        if (text[i] !== ']') fail(unexpected('after array element'));
      }
      i++;
      open.pop();
      node = parent;
    }
  }
}

function lineColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < at; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: at - lineStart + 1 };
}

function pointer(path: string, key: string | number): string {
  const token = String(key);
  return `${path}/${/[~/]/.test(token) ? token.replaceAll('~', '~0').replaceAll('/', '~1') : token}`;
}

function kindOf(node: JsonNode): string {
  return node.t === 'number' ? `number ${node.raw.length > 40 ? `${node.raw.slice(0, 37)}...` : node.raw}` : node.t;
}

/** quote shows a value from the document in a message, cut short: documents can be hostile. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

// ---------------------------------------------------------------------------------------------
// Layer 1: Go's typed json.Unmarshal into specs-go/v1 (Descriptor, Manifest, Index, Image).

type GoType =
  | { k: 'string' | 'int64' | 'bool' | 'bytes' | 'time' }
  | { k: 'slice' | 'map'; of: GoType }
  | { k: 'struct'; fields: Record<string, GoType> };

const goString: GoType = { k: 'string' };
const goInt: GoType = { k: 'int64' }; // Go's int is 64-bit on every platform upstream runs on
const goBool: GoType = { k: 'bool' };
const goSlice = (of: GoType): GoType => ({ k: 'slice', of });
const goMap = (of: GoType): GoType => ({ k: 'map', of });
const goStruct = (fields: Record<string, GoType>): GoType => ({ k: 'struct', fields });

const goPlatformFields: Record<string, GoType> = {
  architecture: goString,
  os: goString,
  'os.version': goString,
  'os.features': goSlice(goString),
  variant: goString,
};
const goDescriptorFields: Record<string, GoType> = {
  mediaType: goString,
  digest: goString,
  size: goInt,
  urls: goSlice(goString),
  annotations: goMap(goString),
  data: { k: 'bytes' },
  platform: goStruct(goPlatformFields),
  artifactType: goString,
};
const goDescriptor = goStruct(goDescriptorFields);
const goImageConfigFields: Record<string, GoType> = {
  User: goString,
  ExposedPorts: goMap(goStruct({})),
  Env: goSlice(goString),
  Entrypoint: goSlice(goString),
  Cmd: goSlice(goString),
  Volumes: goMap(goStruct({})),
  WorkingDir: goString,
  Labels: goMap(goString),
  StopSignal: goString,
  ArgsEscaped: goBool,
};
const goImageFields: Record<string, GoType> = {
  created: { k: 'time' },
  author: goString,
  ...goPlatformFields, // Image embeds Platform
  config: goStruct(goImageConfigFields),
  rootfs: goStruct({ type: goString, diff_ids: goSlice(goString) }),
  history: goSlice(
    goStruct({ created: { k: 'time' }, created_by: goString, author: goString, comment: goString, empty_layer: goBool }),
  ),
};

const GO_DOCUMENT_TYPES: Record<OciDocumentKind, GoType | undefined> = {
  descriptor: goDescriptor,
  manifest: goStruct({
    schemaVersion: goInt,
    mediaType: goString,
    artifactType: goString,
    config: goDescriptor,
    layers: goSlice(goDescriptor),
    subject: goDescriptor,
    annotations: goMap(goString),
  }),
  index: goStruct({
    schemaVersion: goInt,
    mediaType: goString,
    artifactType: goString,
    manifests: goSlice(goDescriptor),
    subject: goDescriptor,
    annotations: goMap(goString),
  }),
  config: goStruct(goImageFields),
  layout: undefined,
};

const GO_TYPE_NAME: Record<string, string> = {
  string: 'a string',
  int64: 'an integer',
  bool: 'a boolean',
  bytes: 'a base64 string',
  time: 'an RFC 3339 time string',
  slice: 'an array',
  map: 'an object',
  struct: 'an object',
};

// Non-ASCII runes r with unicode.ToUpper(unicode.ToLower(r)) in ASCII (encoding/json foldName).
const GO_FOLD_TO_ASCII: Record<string, string> = { '\u017f': 'S', '\u212a': 'K', '\u0130': 'I', '\u0131': 'I' };

function goFold(s: string): string {
  let out = '';
  for (const ch of s) out += ch < '\x80' ? ch.toUpperCase() : (GO_FOLD_TO_ASCII[ch] ?? ch);
  return out;
}

const foldedFieldNames = new WeakMap<Record<string, GoType>, Map<string, string>>();

/** goField names the struct field a JSON key lands in: exact name first, else case-folded. */
function goField(fields: Record<string, GoType>, key: string): string | undefined {
  if (Object.hasOwn(fields, key)) return key;
  let folded = foldedFieldNames.get(fields);
  if (!folded) {
    folded = new Map(Object.keys(fields).map((name) => [goFold(name), name]));
    foldedFieldNames.set(fields, folded);
  }
  return folded.get(goFold(key));
}

function goCheck(node: JsonNode, type: GoType, path: string): Problem | null {
  if (node.t === 'null') return null; // null leaves any Go value as it is
  switch (type.k) {
    case 'string':
      return node.t === 'string' ? null : goMismatch(node, type, path);
    case 'bool':
      return node.t === 'boolean' ? null : goMismatch(node, type, path);
    case 'int64':
      if (node.t !== 'number') return goMismatch(node, type, path);
      return isGoInt64(node.raw) ? null : { path, at: node.at, reason: `number ${node.raw} is not an int64` };
    case 'time': {
      if (node.t !== 'string') return goMismatch(node, type, path);
      const why = goTimeParse(node.raw); // Go's Time.UnmarshalJSON parses the raw bytes, escapes and all
      return why ? { path, at: node.at, reason: `not an RFC 3339 time: ${why}` } : null;
    }
    case 'bytes':
      if (node.t === 'string') return isGoStdBase64(node.value) ? null : { path, at: node.at, reason: 'not standard padded base64' };
      if (node.t !== 'array') return goMismatch(node, type, path);
      for (const [n, item] of node.items.entries()) {
        if (item.t === 'null' || (item.t === 'number' && /^\d{1,3}$/.test(item.raw) && Number(item.raw) <= 255)) continue;
        return { path: pointer(path, n), at: item.at, reason: `expected a byte (0-255), got ${kindOf(item)}` };
      }
      return null;
    case 'slice':
      if (node.t !== 'array') return goMismatch(node, type, path);
      for (const [n, item] of node.items.entries()) {
        const p = goCheck(item, type.of, pointer(path, n));
        if (p) return p;
      }
      return null;
    case 'map':
      if (node.t !== 'object') return goMismatch(node, type, path);
      for (let n = 0; n < node.keys.length; n++) {
        const p = goCheck(node.values[n] as JsonNode, type.of, pointer(path, node.keys[n] as string));
        if (p) return p;
      }
      return null;
    case 'struct':
      if (node.t !== 'object') return goMismatch(node, type, path);
      for (let n = 0; n < node.keys.length; n++) {
        const key = node.keys[n] as string;
        const field = goField(type.fields, key);
        const p = field === undefined ? null : goCheck(node.values[n] as JsonNode, type.fields[field] as GoType, pointer(path, key));
        if (p) return p;
      }
      return null;
  }
}

function goMismatch(node: JsonNode, type: GoType, path: string): Problem {
  return { path, at: node.at, reason: `expected ${GO_TYPE_NAME[type.k]}, got ${kindOf(node)}` };
}

function isGoInt64(raw: string): boolean {
  if (!/^-?\d{1,19}$/.test(raw)) return false; // strconv.ParseInt(raw, 10, 64): no fraction, no exponent
  const n = BigInt(raw);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** isGoStdBase64 mirrors base64.StdEncoding.Decode: CR/LF ignored, padding required, no strict bits. */
function isGoStdBase64(s: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s.replace(/[\r\n]/g, ''));
}

/** goTimeParse is time.Parse(time.RFC3339, raw) (what Time.UnmarshalJSON runs); a reason, or null if accepted. */
function goTimeParse(raw: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(raw);
  if (!m) return 'does not match yyyy-mm-ddThh:mm:ss[.frac](Z|±hh:mm) (escapes are not decoded)';
  const [year, month, day, hour, min, sec, zh, zm] = m.slice(1).map((g) => Number(g ?? 0)) as number[] as [
    number, number, number, number, number, number, number, number,
  ];
  if (month < 1 || month > 12) return 'month out of range';
  if (hour > 23 || min > 59 || sec > 59) return 'hour, minute or second out of range';
  if (day < 1 || day > daysIn(month, year)) return 'day out of range';
  if (zh > 24 || zm > 60) return 'time zone offset out of range';
  return null;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** goAssignments lists, in order, the [key, value] members Go decodes into struct field `name` of
 * obj; null ones are left out, since null leaves a string or struct as it was. */
function goAssignments(obj: JsonNode, fields: Record<string, GoType>, name: string): Array<[string, JsonNode]> {
  const out: Array<[string, JsonNode]> = [];
  for (let n = 0; obj.t === 'object' && n < obj.keys.length; n++) {
    const [key, value] = [obj.keys[n] as string, obj.values[n] as JsonNode];
    if (value.t !== 'null' && goField(fields, key) === name) out.push([key, value]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layer 2: the checks validator.go adds after unmarshalling.

const GO_DIGEST_ALGORITHMS = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);
const GO_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function validatorChecks(kind: OciDocumentKind, root: JsonNode): Problem | null {
  if (kind === 'descriptor') {
    // validateDescriptor: digest.Validate(); an algorithm Go does not know is only a warning.
    const [key, last] = goAssignments(root, goDescriptorFields, 'digest').at(-1) ?? ['digest', root];
    const why = goDigestProblem(last.t === 'string' ? last.value : '');
    return why ? { path: pointer('', key), at: last.at, reason: why } : null;
  }
  if (kind === 'config') {
    // validateConfig: every Config.Env entry must match ^[^=]+=.*$ (Go's "." stops at "\n").
    let env: JsonNode | undefined; // successive config objects merge; the last Env wins, null clears it
    let envPath = '';
    for (const [configKey, cfg] of goAssignments(root, goImageFields, 'config')) {
      for (let n = 0; cfg.t === 'object' && n < cfg.keys.length; n++) {
        if (goField(goImageConfigFields, cfg.keys[n] as string) !== 'Env') continue;
        env = cfg.values[n];
        envPath = pointer(pointer('', configKey), cfg.keys[n] as string);
      }
    }
    if (env?.t !== 'array') return null;
    for (const [n, e] of env.items.entries()) {
      const value = e.t === 'string' ? e.value : ''; // a null entry decodes to ""
      if (!/^[^=]+=[^\n]*$/.test(value)) {
        return { path: pointer(envPath, n), at: e.at, reason: `unexpected env ${quote(value)} (want NAME=value)` };
      }
    }
  }
  return null;
}

/** goDigestProblem mirrors go-digest's Digest.Validate with sha256/384/512 available. */
function goDigestProblem(d: string): string | null {
  const colon = d.indexOf(':');
  if (colon <= 0 || colon + 1 === d.length) return `invalid digest ${quote(d)}: expected algorithm:encoded`;
  const algorithm = d.slice(0, colon);
  const encoded = d.slice(colon + 1);
  const size = GO_DIGEST_ALGORITHMS.get(algorithm);
  if (size === undefined) return GO_DIGEST_RE.test(d) ? null : `invalid digest ${quote(d)}: bad format`;
  if (encoded.length !== size) return `invalid digest ${quote(d)}: ${algorithm} needs ${size} hex characters`;
  return /^[a-f0-9]+$/.test(encoded) ? null : `invalid digest ${quote(d)}: ${algorithm} needs lowercase hex`;
}

// ---------------------------------------------------------------------------------------------
// Layer 3: a draft-04 interpreter for the keywords the OCI schemas use.

type Schema = { readonly [keyword: string]: unknown };

// Annotations and keywords draft-04 does not define ("media") are ignored, as upstream does.
const IGNORED_KEYWORDS = new Set(['$schema', 'id', 'description', 'definitions', 'media']);
const APPLIED_KEYWORDS = new Set([
  '$ref',
  'type',
  'enum',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'minItems',
  'items',
  'required',
  'properties',
  'patternProperties',
  'oneOf',
]);

/** schemaAt finds the schema at `file#fragment`. */
function schemaAt(file: string, fragment: string): Schema {
  let target: unknown = OCI_JSON_SCHEMAS[file];
  for (const token of fragment.split('/').slice(1)) {
    target = (target as Record<string, unknown> | undefined)?.[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  if (!target || typeof target !== 'object') throw new Error(`internal: no schema at ${file}#${fragment}`);
  return target as Schema;
}

const refTargets = new Map<Schema, { schema: Schema; file: string }>();

/** resolveRef: upstream maps every id URL to one of the files, so the file name decides; a bare
 * "#..." stays in the current file. */
function resolveRef(ref: string, file: string): { schema: Schema; file: string } {
  const hash = ref.indexOf('#');
  const name = hash < 0 ? ref : ref.slice(0, hash);
  const target = name === '' ? file : name.slice(name.lastIndexOf('/') + 1);
  return { schema: schemaAt(target, hash < 0 ? '' : ref.slice(hash + 1)), file: target };
}

/** assertSupported refuses, at load, a schema with a keyword this interpreter would silently skip. */
function assertSupported(schema: Schema): void {
  for (const [k, v] of Object.entries(schema)) {
    if (!IGNORED_KEYWORDS.has(k) && !APPLIED_KEYWORDS.has(k)) throw new Error(`internal: unsupported schema keyword ${k}`);
    if (k === 'format' && v !== 'uri' && v !== 'date-time') throw new Error(`internal: unsupported format ${String(v)}`);
    if (k === 'enum' && !(v as unknown[]).every((x) => typeof x === 'string')) throw new Error('internal: non-string enum');
    if (k === 'items') assertSupported(v as Schema);
    if (k === 'oneOf') (v as Schema[]).forEach(assertSupported);
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') Object.values(v as object).forEach(assertSupported);
  }
}
for (const schema of Object.values(OCI_JSON_SCHEMAS)) assertSupported(schema);

/** schemaCheck validates node against schema (in document `file`, for local refs); first problem wins. */
function schemaCheck(schema: Schema, node: JsonNode, path: string, file: string): Problem | null {
  const found = schemaProblem(schema, node, path, file);
  return typeof found === 'string' ? { path, at: node.at, reason: found } : found;
}

/** schemaProblem is schemaCheck's body: a string is a problem with node itself. */
function schemaProblem(schema: Schema, node: JsonNode, path: string, file: string): Problem | string | null {
  if (typeof schema.$ref === 'string') {
    // draft-04: $ref replaces its siblings.
    let target = refTargets.get(schema);
    if (!target) refTargets.set(schema, (target = resolveRef(schema.$ref, file)));
    return schemaCheck(target.schema, node, path, target.file);
  }
  if (typeof schema.type === 'string' && !hasJsonType(node, schema.type)) return `expected ${schema.type}, got ${kindOf(node)}`;
  if (Array.isArray(schema.enum) && !(node.t === 'string' && schema.enum.includes(node.value))) {
    return `must be one of ${JSON.stringify(schema.enum)}`;
  }
  if (node.t === 'string') {
    if (typeof schema.pattern === 'string' && !goRegexp(schema.pattern).test(node.value)) {
      return `${quote(node.value)} does not match ${schema.pattern}`;
    }
    const why = typeof schema.format === 'string' ? formatProblem(schema.format, node.value) : null;
    if (why) return `${quote(node.value)} is not a valid ${String(schema.format)}: ${why}`;
  }
  if (node.t === 'number') {
    if (typeof schema.minimum === 'number' && compareDecimal(node.raw, schema.minimum) < 0) return `must be >= ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && compareDecimal(node.raw, schema.maximum) > 0) return `must be <= ${schema.maximum}`;
  }
  if (node.t === 'array') {
    if (typeof schema.minItems === 'number' && node.items.length < schema.minItems) return `must have at least ${schema.minItems} item(s)`;
    const items = schema.items as Schema | undefined;
    for (let n = 0; items && n < node.items.length; n++) {
      const p = schemaCheck(items, node.items[n] as JsonNode, pointer(path, n), file);
      if (p) return p;
    }
  }
  if (node.t === 'object') {
    for (const name of (schema.required ?? []) as string[]) {
      if (!member(node, name)) return `missing required property ${quote(name)}`;
    }
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name in properties) {
      const value = member(node, name);
      const p = value ? schemaCheck(properties[name] as Schema, value, pointer(path, name), file) : null;
      if (p) return p;
    }
    const patternProperties = (schema.patternProperties ?? {}) as Record<string, Schema>;
    for (const pattern in patternProperties) {
      for (const [key, value] of memberIndex(node)) {
        const p = goRegexp(pattern).test(key) ? schemaCheck(patternProperties[pattern] as Schema, value, pointer(path, key), file) : null;
        if (p) return p;
      }
    }
  }
  if (Array.isArray(schema.oneOf)) {
    let matched = 0;
    let first: Problem | null = null;
    for (const sub of schema.oneOf as Schema[]) {
      const p = schemaCheck(sub, node, path, file);
      if (p) first ??= p;
      else matched++;
    }
    if (matched === 0) return `matches none of the allowed forms (${first?.reason ?? ''})`;
    if (matched > 1) return 'matches more than one allowed form';
  }
  return null;
}

function hasJsonType(node: JsonNode, type: string): boolean {
  if (type === 'integer') return node.t === 'number' && isIntegral(node.raw);
  return node.t === type;
}

/** isIntegral says whether a JSON number lexeme denotes a whole number (1.0 and 1e3 do). */
function isIntegral(raw: string): boolean {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m) return false;
  const frac = m[2] ?? '';
  const digits = (m[1] + frac).replace(/^0+/, '');
  if (digits === '') return true;
  const trailingZeros = digits.length - digits.replace(/0+$/, '').length;
  return Number(m[3] ?? '0') - frac.length + trailingZeros >= 0;
}

/** compareDecimal compares a JSON number lexeme with a bound, exactly when both are integers. */
function compareDecimal(raw: string, bound: number): number {
  if (/^-?\d+$/.test(raw) && Number.isInteger(bound)) {
    const a = BigInt(raw);
    const b = BigInt(bound);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const a = Number(raw);
  return a < bound ? -1 : a > bound ? 1 : 0;
}

const regexpCache = new Map<string, RegExp>();

/** goRegexp compiles an RE2 pattern from the schemas: unanchored search, "." excludes only "\n". */
function goRegexp(source: string): RegExp {
  let re = regexpCache.get(source);
  if (!re) {
    let out = '';
    let inClass = false;
    for (let k = 0; k < source.length; k++) {
      const c = source[k] as string;
      if (c === '\\') out += c + (source[++k] ?? '');
      else if (inClass) {
        inClass = c !== ']';
        out += c;
      } else {
        inClass = c === '[';
        out += c === '.' ? '[^\\n]' : c;
      }
    }
    re = new RegExp(out, 'u');
    regexpCache.set(source, re);
  }
  return re;
}

function formatProblem(format: string, value: string): string | null {
  return format === 'date-time' ? dateTimeProblem(value) : uriProblem(value); // assertSupported allows only these
}

// ---------------------------------------------------------------------------------------------
// Formats, as santhosh-tekuri/jsonschema v6 checks them (byte-indexed, like the Go original).

/** bytesOf gives the UTF-8 bytes of s as one char per byte, so Go's s[i] indexing carries over. */
function bytesOf(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** goAtoi is strconv.Atoi for short strings: optional sign, then decimal digits. */
function goAtoi(s: string): number {
  return /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
}

/** goSplitN is strings.SplitN: at most n parts, the last one holding the rest. */
function goSplitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const k = rest.indexOf(sep);
    if (k < 0) break;
    out.push(rest.slice(0, k));
    rest = rest.slice(k + sep.length);
  }
  out.push(rest);
  return out;
}

/** dateTimeProblem is validateDateTime: a date, "t" or "T", then timeProblem; leap seconds allowed. */
function dateTimeProblem(value: string): string | null {
  const s = bytesOf(value);
  if (s.length < 20) return 'less than 20 characters long';
  if (s[10] !== 't' && s[10] !== 'T') return '11th character must be t or T';
  // validateDate: time.Parse("2006-01-02", ...)
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.slice(0, 10));
  if (!d) return 'invalid date element';
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return 'invalid date element: out of range';
  return timeProblem(s.slice(11));
}

/** timeProblem is validateTime: hh:mm:ss[.frac](z|Z|±hh:mm), with strconv.Atoi's leniency. */
function timeProblem(time: string): string | null {
  let str = time;
  if (str.length < 9) return 'time less than 9 characters long';
  if (str[2] !== ':' || str[5] !== ':') return 'missing colon in correct place';
  const hms = goSplitN(str.slice(0, 8), ':', 3).map(goAtoi);
  if (hms.length !== 3 || hms.some((n) => Number.isNaN(n))) return 'invalid hour/min/sec';
  if (hms.some((n) => n < 0)) return 'non-positive hour/min/sec';
  let [h, m] = hms as [number, number, number];
  const sec = hms[2] as number;
  if (h > 23 || m > 59 || sec > 60) return 'hour/min/sec out of range';
  str = str.slice(8);
  if (str.startsWith('.')) {
    const digits = /^\d*/.exec(str.slice(1))?.[0].length ?? 0;
    if (digits === 0) return 'no digits in second fraction';
    str = str.slice(1 + digits);
  }
  if (str !== 'z' && str !== 'Z') {
    if (str.length !== 6) return 'offset must be 6 characters long';
    const sign = str[0] === '+' ? -1 : str[0] === '-' ? 1 : 0;
    if (sign === 0) return 'offset must begin with plus/minus';
    str = str.slice(1);
    if (str[2] !== ':') return 'missing colon in offset in correct place';
    const zhm = goSplitN(str, ':', 2).map(goAtoi);
    if (zhm.some((n) => Number.isNaN(n))) return 'invalid hour/min in offset';
    if (zhm.some((n) => n < 0)) return 'non-positive hour/min in offset';
    const [zh, zm] = zhm as [number, number];
    if (zh > 23 || zm > 59) return 'hour/min in offset out of range';
    let hm = h * 60 + m + sign * (zh * 60 + zm);
    if (hm < 0) hm += 24 * 60;
    [h, m] = [Math.floor(hm / 60), hm % 60];
  }
  if (sec >= 60 && (h !== 23 || m !== 59)) return 'invalid leap second';
  return null;
}

/** uriProblem is validateURI: ASCII only, none of <>" {}|\^`, Go url.Parse succeeds, bracketed
 * IPv6 hosts are real addresses, and the URL is absolute. */
function uriProblem(s: string): string | null {
  if (/[^\x00-\x7f]/.test(s)) return 'has unescaped non-ASCII characters';
  if (/[<>" {}|\\^`]/.test(s)) return 'has illegal ASCII characters';
  const u = goParseUrl(s);
  if (typeof u === 'string') return u;
  const hostName = goHostname(u.host);
  // Go 1.25.2+ (CVE-2025-47912) allows only an IPv6 address inside brackets.
  if (u.host.startsWith('[') && !hostName.includes(':')) return 'invalid IP-literal';
  if (hostName.includes(':')) {
    if (!u.host.includes('[') || !u.host.includes(']')) return 'ipv6 address not enclosed in brackets';
    if (hostName.includes('%') || !isIPv6(hostName)) return 'invalid ipv6 address';
  }
  return u.scheme === '' ? 'relative url' : null;
}

type GoEscapeMode = 'host' | 'zone' | 'path' | 'fragment' | 'userinfo';

/** goShouldEscapeHost is net/url shouldEscape(c, encodeHost) for ASCII c. */
function goShouldEscapeHost(c: string): boolean {
  return !/[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(c);
}

/** goUnescape is net/url unescape: the unescaped text (bytes as latin1), or the error. */
function goUnescape(s: string, mode: GoEscapeMode): { ok: true; value: string } | { ok: false; reason: string } {
  let value = '';
  for (let k = 0; k < s.length; ) {
    const c = s[k] as string;
    if (c === '%') {
      const hex = s.slice(k + 1, k + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { ok: false, reason: `invalid URL escape ${JSON.stringify(s.slice(k, k + 3))}` };
      const byte = parseInt(hex, 16);
      if (mode === 'host' && byte < 0x80 && hex !== '25') return { ok: false, reason: `invalid URL escape %${hex} in host` };
      if (mode === 'zone' && hex !== '25' && byte !== 0x20 && (byte >= 0x80 || goShouldEscapeHost(String.fromCharCode(byte)))) {
        return { ok: false, reason: `invalid URL escape %${hex} in zone` };
      }
      value += String.fromCharCode(byte);
      k += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < '\x80' && goShouldEscapeHost(c)) {
        return { ok: false, reason: `invalid character ${JSON.stringify(c)} in host name` };
      }
      value += c;
      k++;
    }
  }
  return { ok: true, value };
}

function goValidOptionalPort(port: string): boolean {
  return port === '' || /^:\d*$/.test(port);
}

/** goParseUrl is net/url.Parse reduced to what validation needs: the scheme and unescaped host. */
function goParseUrl(raw: string): { scheme: string; host: string } | string {
  const hashAt = raw.indexOf('#');
  const u = hashAt < 0 ? raw : raw.slice(0, hashAt);
  const frag = hashAt < 0 ? '' : raw.slice(hashAt + 1);
  const fragOk = (r: { scheme: string; host: string }): typeof r | string => {
    const f = goUnescape(frag, 'fragment');
    return f.ok ? r : f.reason;
  };
  if (/[\x00-\x1f\x7f]/.test(u)) return 'invalid control character in URL';
  if (u === '*') return fragOk({ scheme: '', host: '' });
  let scheme = '';
  let rest = u;
  for (let k = 0; k < u.length; k++) {
    const c = u[k] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c) && k > 0) continue;
    if (c === ':') {
      if (k === 0) return 'missing protocol scheme';
      scheme = u.slice(0, k).toLowerCase();
      rest = u.slice(k + 1);
    }
    break;
  }
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else if (rest.includes('?')) rest = rest.slice(0, rest.indexOf('?'));
  if (!rest.startsWith('/')) {
    if (scheme !== '') return fragOk({ scheme, host: '' }); // opaque, e.g. mailto:x
    if ((rest.split('/')[0] as string).includes(':')) return 'first path segment in URL cannot contain colon';
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    const at = authority.lastIndexOf('@');
    const h = goParseHost(at < 0 ? authority : authority.slice(at + 1));
    if (typeof h !== 'string') return h.reason;
    host = h;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return 'invalid userinfo';
      for (const part of goSplitN(userinfo, ':', 2)) {
        const r = goUnescape(part, 'userinfo');
        if (!r.ok) return r.reason;
      }
    }
  }
  const p = goUnescape(rest, 'path');
  return p.ok ? fragOk({ scheme, host }) : p.reason;
}

function goParseHost(host: string): string | { reason: string } {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return { reason: "missing ']' in host" };
    if (!goValidOptionalPort(host.slice(close + 1))) return { reason: `invalid port ${quote(host.slice(close + 1))} after host` };
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      let out = '';
      for (const [part, mode] of [
        [host.slice(0, zone), 'host'],
        [host.slice(zone, close), 'zone'],
        [host.slice(close), 'host'],
      ] as const) {
        const r = goUnescape(part, mode);
        if (!r.ok) return r;
        out += r.value;
      }
      return out;
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && !goValidOptionalPort(host.slice(colon))) return { reason: `invalid port ${quote(host.slice(colon))} after host` };
  }
  const r = goUnescape(host, 'host');
  return r.ok ? r.value : r;
}

/** goHostname is URL.Hostname(): the host without port and brackets. */
function goHostname(host: string): string {
  let h = host;
  const colon = h.lastIndexOf(':');
  if (colon !== -1 && goValidOptionalPort(h.slice(colon))) h = h.slice(0, colon);
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
