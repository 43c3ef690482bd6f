// Per-instruction argument parsing: BuildKit's dispatch table (parser.go) and line_parsers.go.
import { LineError } from './errors.ts';
import { goQuote } from './go-quote.ts';
import { NOT_STRING_ARRAY, parseJsonArray } from './json-array.ts';
import type { ArgNode, InstructionNode } from './node.ts';
import { splitCommand } from './split-command.ts';
import { isSpace, lowerGo, splitTokenWhitespace } from './text.ts';
import { parseWords } from './words.ts';

interface Parsed {
  next: ArgNode | null;
  json: boolean;
}
type LineParser = (rest: string, escapeToken: string) => Parsed;

const NONE: Parsed = { next: null, json: false };

function arg(value: string, next: ArgNode | null = null): ArgNode {
  return { value, next, children: [] };
}

/** chain links values into an argument chain. */
function chain(values: readonly string[]): ArgNode | null {
  let head: ArgNode | null = null;
  for (let i = values.length - 1; i >= 0; i--) head = arg(values[i] ?? '', head);
  return head;
}

/** Unknown instructions keep one empty argument (parseIgnore). */
const parseIgnore: LineParser = () => ({ next: arg(''), json: false });

const parseString: LineParser = (rest) => (rest === '' ? NONE : { next: arg(rest), json: false });

const parseStringsWhitespaceDelimited: LineParser = (rest) =>
  rest === '' ? NONE : { next: chain(splitTokenWhitespace(rest, -1)), json: false };

/** parseMaybeJSON: exec form gives its strings, anything else one argument with the rest of the line. */
const parseMaybeJSON: LineParser = (rest) => {
  if (rest === '') return NONE;
  const j = parseJsonArray(rest);
  if (j.kind === 'strings') return { next: chain(j.values), json: true };
  if (j.kind === 'not-strings') throw new LineError(NOT_STRING_ARRAY);
  return { next: arg(rest), json: false };
};

/** parseMaybeJSONToList: exec form, else whitespace-separated (ADD, COPY, VOLUME). */
const parseMaybeJSONToList: LineParser = (rest, esc) => {
  const j = parseJsonArray(rest);
  if (j.kind === 'strings') return { next: chain(j.values), json: true };
  if (j.kind === 'not-strings') throw new LineError(NOT_STRING_ARRAY);
  return parseStringsWhitespaceDelimited(rest, esc);
};

/** parseNameVal: `KEY name value` (legacy) or `KEY a=b c=d` → key, value, separator triples. */
function parseNameVal(rest: string, key: string, esc: string): Parsed {
  const words = parseWords(rest, esc);
  if (words.length === 0) return NONE;
  if (!(words[0] ?? '').includes('=')) {
    const parts = splitTokenWhitespace(rest, 2);
    if (parts.length < 2) throw new LineError(`${key} must have two arguments`);
    return { next: chain([parts[0] ?? '', parts[1] ?? '', '']), json: false };
  }
  const values: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) throw new LineError(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    values.push(word.slice(0, eq), word.slice(eq + 1), '=');
  }
  return { next: chain(values), json: false };
}

/** parseNameOrNameVal (ARG): the words as written, quotes kept. */
const parseNameOrNameVal: LineParser = (rest, esc) => ({ next: chain(parseWords(rest, esc)), json: false });

/** parseHealthConfig: the type word (CMD, NONE, ...) then the rest as for CMD. */
const parseHealthConfig: LineParser = (rest, esc) => {
  let sep = 0;
  while (sep < rest.length && !isSpace(rest.charCodeAt(sep))) sep++;
  let next = sep;
  while (next < rest.length && isSpace(rest.charCodeAt(next))) next++;
  if (sep === 0) return NONE;
  const cmd = parseMaybeJSON(rest.slice(next), esc);
  return { next: arg(rest.slice(0, sep), cmd.next), json: cmd.json };
};

const DISPATCH: ReadonlyMap<string, LineParser> = new Map([
  ['add', parseMaybeJSONToList],
  ['arg', parseNameOrNameVal],
  ['cmd', parseMaybeJSON],
  ['copy', parseMaybeJSONToList],
  ['entrypoint', parseMaybeJSON],
  ['env', (rest: string, esc: string) => parseNameVal(rest, 'ENV', esc)],
  ['expose', parseStringsWhitespaceDelimited],
  ['from', parseStringsWhitespaceDelimited],
  ['healthcheck', parseHealthConfig],
  ['label', (rest: string, esc: string) => parseNameVal(rest, 'LABEL', esc)],
  ['maintainer', parseString],
  ['run', parseMaybeJSON],
  ['shell', parseMaybeJSON],
  ['stopsignal', parseString],
  ['user', parseString],
  ['volume', parseMaybeJSONToList],
  ['workdir', parseString],
]);

/** isKnownKeyword says whether BuildKit's parser knows this keyword (any case); ONBUILD included. */
export function isKnownKeyword(keyword: string): boolean {
  const k = lowerGo(keyword);
  return k === 'onbuild' || DISPATCH.has(k);
}

/** newInstructionNode parses one logical line into an instruction (newNodeFromLine). ONBUILD nests its
 * sub-instruction as the child of an empty argument node; done in a loop since nesting is unbounded.
 * Throws LineError. Lines and heredocs are filled in by the caller. */
export function newInstructionNode(line: string, escapeToken: string, comments: string[]): InstructionNode {
  const nodes: InstructionNode[] = [];
  let rest = line;
  for (;;) {
    const { cmd, flags, args } = splitCommand(rest);
    const key = lowerGo(cmd);
    const known = key === 'onbuild' || DISPATCH.has(key);
    const node: InstructionNode = {
      keyword: known ? key.toUpperCase() : cmd.toUpperCase(),
      value: cmd,
      flags,
      next: null,
      json: false,
      heredocs: [],
      original: rest,
      startLine: 0,
      endLine: 0,
      comments: nodes.length === 0 ? comments : [],
    };
    nodes.push(node);
    if (key === 'onbuild') {
      if (args === '') break;
      rest = args;
      continue;
    }
    const parsed = (DISPATCH.get(key) ?? parseIgnore)(args, escapeToken);
    node.next = parsed.next;
    node.json = parsed.json;
    break;
  }
  for (let i = nodes.length - 2; i >= 0; i--) {
    const parent = nodes[i];
    const child = nodes[i + 1];
    if (parent && child) parent.next = { value: '', next: null, children: [child] };
  }
  return nodes[0] as InstructionNode;
}
