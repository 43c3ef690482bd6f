// parseInstruction: one AST node → one typed instruction, following BuildKit's instructions/parse.go
// (argument counts, flags, and error texts checked in the same order as upstream).
import { chompHeredocContent, goQuote, parseHeredoc, type Heredoc, type InstructionNode } from '../parser/index.ts';
import { BuilderFlags } from './bflags.ts';
import { DockerfileError, fail, InstructionFailure } from './errors.ts';
import { parseGoDuration, parseGoInt } from './go-parse.ts';
import { parseMount } from './mounts.ts';
import { withSuggestion } from './suggest.ts';
import type {
  AddInstruction,
  ArgDeclaration,
  CommandLine,
  CopyInstruction,
  FromInstruction,
  HealthConfig,
  InlineSource,
  Instruction,
  KeyValue,
  NetworkMode,
  RunInstruction,
  SecurityMode,
  SourceLocation,
} from './types.ts';

/** The instruction keywords BuildKit knows, for the "did you mean" hint on unknown ones. */
export const INSTRUCTION_NAMES: readonly string[] = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER',
  'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
];

/** Request is BuildKit's parseRequest: the node's words, flags and source. */
interface Request {
  keyword: string;
  args: string[];
  heredocs: Heredoc[];
  json: boolean;
  flags: BuilderFlags;
  original: string;
  loc: SourceLocation;
}

/** nodeArgs flattens the argument chain; ONBUILD's nested instruction contributes its keyword and words. */
function nodeArgs(node: { next: InstructionNode['next'] }): string[] {
  const out: string[] = [];
  for (let n = node.next; n; n = n.next) {
    const child = n.children[0];
    if (n.children.length === 0) out.push(n.value);
    else if (n.children.length === 1 && child) out.push(child.value, ...nodeArgs(child));
  }
  return out;
}

function base<K extends Instruction['kind']>(kind: K, req: Request): { kind: K; loc: SourceLocation; original: string } {
  return { kind, loc: { ...req.loc }, original: req.original.trim() };
}

const errAtLeastOneArgument = (cmd: string): never => fail(`${cmd} requires at least one argument`);
const errExactlyOneArgument = (cmd: string): never => fail(`${cmd} requires exactly one argument`);
const errNoDestinationArgument = (cmd: string): never =>
  fail(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);

export interface ParseInstructionOptions {
  /** the Dockerfile's name, carried into error details */
  file?: string;
}

/** parseInstruction converts one parsed instruction into its typed form (BuildKit ParseInstruction).
 * Throws DockerfileError (`Dockerfile:LINE: ...`) with upstream's message text. */
export function parseInstruction(node: InstructionNode, opts: ParseInstructionOptions = {}): Instruction {
  const loc = { startLine: node.startLine, endLine: node.endLine };
  const req: Request = {
    keyword: node.keyword,
    args: nodeArgs(node),
    heredocs: node.heredocs,
    json: node.json,
    flags: new BuilderFlags(node.flags, node.keyword),
    original: node.original,
    loc,
  };
  try {
    return dispatch(node, req);
  } catch (err) {
    if (err instanceof InstructionFailure) {
      const where: ConstructorParameters<typeof DockerfileError>[1] = { loc, instruction: node.keyword };
      if (opts.file !== undefined) where.file = opts.file;
      throw new DockerfileError(err.message, where);
    }
    throw err;
  }
}

function dispatch(node: InstructionNode, req: Request): Instruction {
  switch (node.value.toLowerCase()) {
    case 'env':
      req.flags.parse();
      return { ...base('ENV', req), env: parseKvps(req.args, 'ENV') };
    case 'maintainer':
      if (req.args.length !== 1) errExactlyOneArgument('MAINTAINER');
      req.flags.parse();
      return { ...base('MAINTAINER', req), maintainer: req.args[0] ?? '' };
    case 'label':
      req.flags.parse();
      return { ...base('LABEL', req), labels: parseKvps(req.args, 'LABEL') };
    case 'add':
      return parseAdd(req);
    case 'copy':
      return parseCopy(req);
    case 'from':
      return parseFrom(req);
    case 'onbuild':
      return parseOnbuild(req);
    case 'workdir':
      if (req.args.length !== 1) errExactlyOneArgument('WORKDIR');
      req.flags.parse();
      return { ...base('WORKDIR', req), path: req.args[0] ?? '' };
    case 'run':
      return parseRun(req);
    case 'cmd':
      req.flags.parse();
      return { ...base('CMD', req), cmd: commandLine(req) };
    case 'healthcheck':
      return parseHealthcheck(req);
    case 'entrypoint':
      req.flags.parse();
      return { ...base('ENTRYPOINT', req), cmd: commandLine(req) };
    case 'expose': {
      if (req.args.length === 0) errAtLeastOneArgument('EXPOSE');
      req.flags.parse();
      const ports = [...req.args].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { ...base('EXPOSE', req), ports };
    }
    case 'user':
      if (req.args.length !== 1) errExactlyOneArgument('USER');
      req.flags.parse();
      return { ...base('USER', req), user: req.args[0] ?? '' };
    case 'volume':
      return parseVolume(req);
    case 'stopsignal':
      if (req.args.length !== 1) errExactlyOneArgument('STOPSIGNAL');
      // BuildKit ignores flags here; we refuse them like everywhere else.
      req.flags.parse();
      return { ...base('STOPSIGNAL', req), signal: req.args[0] ?? '' };
    case 'arg':
      return parseArg(req);
    case 'shell':
      return parseShell(req);
    default:
      return fail(withSuggestion(`unknown instruction: ${node.value}`, node.value, INSTRUCTION_NAMES, false));
  }
}

/** parseKvps reads ENV/LABEL's key, value, separator triples ('' separator = legacy `KEY value`). */
function parseKvps(args: string[], cmd: string): KeyValue[] {
  if (args.length === 0) errAtLeastOneArgument(cmd);
  if (args.length % 3 !== 0) fail(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValue[] = [];
  for (let j = 0; j < args.length; j += 3) {
    const key = args[j] ?? '';
    if (key === '') fail(`${cmd} names can not be blank`);
    out.push({ key, value: args[j + 1] ?? '', legacy: args[j + 2] === '' });
  }
  return out;
}

/** heredocWord is parser.MustParseHeredoc: the heredoc a word opens, or null (lex errors ignored). */
function heredocWord(word: string): ReturnType<typeof parseHeredoc> {
  try {
    return parseHeredoc(word);
  } catch {
    return null;
  }
}

/** parseSourcesAndDest splits COPY/ADD words into paths, heredoc sources and the destination. */
function parseSourcesAndDest(req: Request, cmd: string): { sources: string[]; inlineSources: InlineSource[]; dest: string } {
  const dest = req.args[req.args.length - 1] ?? '';
  if (heredocWord(dest)) fail(`${cmd} cannot accept a heredoc as a destination`);
  const byName = new Map<string, Heredoc>();
  for (const h of req.heredocs) byName.set(h.name, h);
  const sources: string[] = [];
  const inlineSources: InlineSource[] = [];
  for (const src of req.args.slice(0, -1)) {
    const h = heredocWord(src);
    if (!h) {
      sources.push(src);
      continue;
    }
    let data = byName.get(h.name)?.content ?? '';
    if (h.chomp) data = chompHeredocContent(data);
    inlineSources.push({ path: h.name, data, expand: h.expand });
  }
  return { sources, inlineSources, dest };
}

function parseAdd(req: Request): AddInstruction {
  if (req.args.length < 2) errNoDestinationArgument('ADD');
  const fl = req.flags;
  const exclude = fl.addStrings('exclude');
  const chown = fl.addString('chown');
  const chmod = fl.addString('chmod');
  const link = fl.addBool('link');
  const keepGitDir = fl.addBool('keep-git-dir');
  const checksum = fl.addString('checksum');
  const unpack = fl.addBool('unpack');
  fl.parse();
  const sd = parseSourcesAndDest(req, 'ADD');
  const out: AddInstruction = {
    ...base('ADD', req),
    ...sd,
    exclude: [...exclude.values],
    link: link.value === 'true',
    keepGitDir: keepGitDir.value === 'true',
    json: req.json,
  };
  if (chown.value !== '') out.chown = chown.value;
  if (chmod.value !== '') out.chmod = chmod.value;
  if (checksum.value !== '') out.checksum = checksum.value;
  if (unpack.used) out.unpack = unpack.value === 'true';
  return out;
}

function parseCopy(req: Request): CopyInstruction {
  if (req.args.length < 2) errNoDestinationArgument('COPY');
  const fl = req.flags;
  const exclude = fl.addStrings('exclude');
  const parents = fl.addBool('parents');
  const chown = fl.addString('chown');
  const from = fl.addString('from');
  const chmod = fl.addString('chmod');
  const link = fl.addBool('link');
  fl.parse();
  const sd = parseSourcesAndDest(req, 'COPY');
  const out: CopyInstruction = {
    ...base('COPY', req),
    ...sd,
    exclude: [...exclude.values],
    link: link.value === 'true',
    parents: parents.value === 'true',
    json: req.json,
  };
  if (from.value !== '') out.from = from.value;
  if (chown.value !== '') out.chown = chown.value;
  if (chmod.value !== '') out.chmod = chmod.value;
  return out;
}

/** Stage names: lowercase letter first, then letters, digits, `-`, `_`, `.`. */
export const VALID_STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;

function parseFrom(req: Request): FromInstruction {
  const args = req.args;
  let stageName: string | undefined;
  if (args.length === 3 && (args[1] ?? '').toLowerCase() === 'as') {
    const asWritten = args[2] ?? '';
    stageName = asWritten.toLowerCase();
    if (!VALID_STAGE_NAME.test(stageName)) {
      fail(`invalid name for build stage: ${goQuote(asWritten)}, name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) {
    fail('FROM requires either one or three arguments');
  }
  const platform = req.flags.addString('platform');
  req.flags.parse();
  const out: FromInstruction = { ...base('FROM', req), baseName: args[0] ?? '' };
  if (stageName !== undefined) {
    out.stageName = stageName;
    out.stageNameAsWritten = args[2] ?? '';
  }
  if (platform.value !== '') out.platform = platform.value;
  return out;
}

function parseOnbuild(req: Request): Instruction {
  if (req.args.length === 0) errAtLeastOneArgument('ONBUILD');
  req.flags.parse();
  const trigger = (req.args[0] ?? '').trim().toUpperCase();
  if (trigger === 'ONBUILD') fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === 'MAINTAINER' || trigger === 'FROM') fail(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = req.original.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');
  for (const h of req.heredocs) expression += '\n' + h.content + h.name;
  return { ...base('ONBUILD', req), expression, trigger };
}

/** commandLine is handleJSONArgs: exec form keeps the words, shell form is the rest of the line. */
function commandLine(req: Request, args: string[] = req.args): CommandLine {
  if (req.json) return { form: 'exec', argv: [...args] };
  return { form: 'shell', command: args.join(' ') };
}

function parseRun(req: Request): RunInstruction {
  const fl = req.flags;
  const mountFlag = fl.addStrings('mount');
  const networkFlag = fl.addString('network', 'default');
  const securityFlag = fl.addString('security', 'sandbox');
  fl.parse();
  const flagsUsed = fl.used();
  const cmd = commandLine(req);
  const heredocs = req.heredocs.map((h) => ({
    name: h.name,
    data: h.content,
    chomp: h.chomp,
    expand: h.expand,
    fileDescriptor: h.fileDescriptor,
  }));
  const mounts = mountFlag.values.map((spec) => parseMount(spec, null));
  const network = networkFlag.value;
  if (network !== 'default' && network !== 'none' && network !== 'host') fail(`invalid network mode ${goQuote(network)}`);
  const security = securityFlag.value;
  if (security !== 'sandbox' && security !== 'insecure') fail(`security ${goQuote(security)} is not valid`);
  return {
    ...base('RUN', req),
    cmd,
    heredocs,
    mounts,
    network: network as NetworkMode,
    security: security as SecurityMode,
    flagsUsed,
  };
}

/** MIN_HEALTH_DURATION is Docker's container.MinimumDuration (1ms), in nanoseconds. */
const MIN_HEALTH_DURATION = 1_000_000;

/** parseOptInterval: '' → 0, else a Go duration that is 0 or at least 1ms. */
function parseOptInterval(name: string, value: string): number {
  if (value === '') return 0;
  let d: number;
  try {
    d = parseGoDuration(value);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (d === 0) return 0;
  if (d < MIN_HEALTH_DURATION) fail(`Interval ${goQuote(name)} cannot be less than 1ms`);
  return d;
}

function parseHealthcheck(req: Request): Instruction {
  if (req.args.length === 0) errAtLeastOneArgument('HEALTHCHECK');
  const typ = (req.args[0] ?? '').toUpperCase();
  const args = req.args.slice(1);
  const health: HealthConfig = { test: [], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === 'NONE') {
    // BuildKit does not look at flags for NONE.
    if (args.length !== 0) fail('HEALTHCHECK NONE takes no arguments');
    health.test = ['NONE'];
    return { ...base('HEALTHCHECK', req), health };
  }
  const fl = req.flags;
  const interval = fl.addString('interval');
  const timeout = fl.addString('timeout');
  const startPeriod = fl.addString('start-period');
  const startInterval = fl.addString('start-interval');
  const retries = fl.addString('retries');
  fl.parse();
  if (typ !== 'CMD') fail(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = commandLine(req, args);
  const words = cmd.form === 'exec' ? cmd.argv : args.length === 0 ? [] : [cmd.command];
  if (words.length === 0) fail('Missing command after HEALTHCHECK CMD');
  health.test = [req.json ? 'CMD' : 'CMD-SHELL', ...words];
  health.interval = parseOptInterval('interval', interval.value);
  health.timeout = parseOptInterval('timeout', timeout.value);
  health.startPeriod = parseOptInterval('start-period', startPeriod.value);
  health.startInterval = parseOptInterval('start-interval', startInterval.value);
  if (retries.value !== '') {
    let n: number;
    try {
      n = parseGoInt(retries.value, 32);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (n < 0) fail(`--retries cannot be negative (${n})`);
    health.retries = n;
  }
  return { ...base('HEALTHCHECK', req), health };
}

function parseVolume(req: Request): Instruction {
  if (req.args.length === 0) errAtLeastOneArgument('VOLUME');
  req.flags.parse();
  const volumes: string[] = [];
  for (const raw of req.args) {
    const v = raw.trim();
    if (v === '') fail('VOLUME specified can not be an empty string');
    volumes.push(v);
  }
  return { ...base('VOLUME', req), volumes, json: req.json };
}

function parseArg(req: Request): Instruction {
  if (req.args.length < 1) errAtLeastOneArgument('ARG');
  // BuildKit ignores flags on ARG; we refuse them like everywhere else.
  req.flags.parse();
  const args: ArgDeclaration[] = req.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { key: word };
    if (eq === 0) fail('ARG names can not be blank');
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
  return { ...base('ARG', req), args };
}

function parseShell(req: Request): Instruction {
  req.flags.parse();
  if (req.args.length === 0) errAtLeastOneArgument('SHELL');
  if (!req.json) fail('SHELL requires the arguments to be in JSON form');
  return { ...base('SHELL', req), shell: [...req.args] };
}
