// Variable expansion at dispatch time, as BuildKit's dockerfile2llb does it: which words of which
// instruction are expanded, with which environment, and which variable names each one looked up.
import { parsePlatform } from '../../oci/platform.ts';
import { ShellExpansionError, ShellLex } from '../shell/lex.ts';
import { DockerfileError, InstructionFailure } from './errors.ts';
import { parseMount } from './mounts.ts';
import type { FromInstruction, KeyValue, StageInstruction } from './types.ts';

/** The variables visible to an expansion: name → value ("" is set-but-empty). */
export type ExpansionEnv = ReadonlyMap<string, string>;

export interface ExpandOptions {
  /** the Dockerfile's escape token (`# escape=`), default `\` */
  escapeToken?: string;
  /** the Dockerfile's name, carried into error details */
  file?: string;
}

/** An expanded copy of an instruction and the variable names its expansion depended on. */
export interface Expansion<T> {
  instruction: T;
  /** names that were looked up and set (their values shaped the result) */
  usedVars: Set<string>;
  /** names that were looked up but unset (setting them later would change the result) */
  unsetVars: Set<string>;
}

/** Tracks lookups across all the words of one instruction. */
class Tracker {
  readonly used = new Set<string>();
  readonly unset = new Set<string>();
  private readonly lex: ShellLex;
  // ExpandRaw (heredoc sources): quotes are kept and the escape token is always `\` (BuildKit
  // builds a fresh `shell.NewLex('\\')` with SkipProcessQuotes for it).
  private readonly rawLex = new ShellLex('\\', { skipProcessQuotes: true });

  constructor(
    private readonly env: ExpansionEnv,
    escapeToken: string,
  ) {
    this.lex = new ShellLex(escapeToken);
  }

  private record(m: { matched: Set<string>; unmatched: Set<string> }): void {
    for (const n of m.matched) this.used.add(n);
    for (const n of m.unmatched) this.unset.add(n);
  }

  /** word is ProcessWord: one word in, one string out (quotes removed, no field splitting). */
  word(w: string): string {
    const m = this.lex.processWordWithMatches(w, this.env);
    this.record(m);
    return m.result;
  }

  /** words is ProcessWords: unquoted expansion results split into fields (EXPOSE). */
  words(w: string): string[] {
    this.record(this.lex.processWordWithMatches(w, this.env));
    return this.lex.processWords(w, this.env);
  }

  /** raw expands a heredoc body, keeping quotes. */
  raw(w: string): string {
    const m = this.rawLex.processWordWithMatches(w, this.env);
    this.record(m);
    return m.result;
  }

  optional(w: string | undefined): string | undefined {
    return w === undefined ? undefined : this.word(w);
  }
}

function wrapErrors<T>(kind: string, loc: { startLine: number; endLine: number }, opts: ExpandOptions, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ShellExpansionError || err instanceof InstructionFailure) {
      const where: ConstructorParameters<typeof DockerfileError>[1] = { loc, instruction: kind };
      if (opts.file !== undefined) where.file = opts.file;
      throw new DockerfileError(err.message, where, { cause: err });
    }
    throw err;
  }
}

const kvs = (t: Tracker, pairs: KeyValue[]): KeyValue[] => pairs.map((kv) => ({ ...kv, key: t.word(kv.key), value: t.word(kv.value) }));

/** expandInstruction returns a copy of inst with its words expanded the way BuildKit's dispatch does,
 * using env (the stage's ENV plus the ARG values in scope), and the names the expansion used:
 * - ENV, LABEL: keys and values. All pairs see the environment from before the instruction.
 * - COPY, ADD: sources, dest, --chown, ADD's --checksum; heredoc sources whose delimiter was not quoted
 *   are expanded with quotes kept. Not --from (a stage or image as written), --chmod, --exclude.
 * - WORKDIR, USER, VOLUME, STOPSIGNAL: their words. EXPOSE: each word, split into fields.
 * - RUN: the --mount values only (the shell expands the command, also in heredoc bodies). A RUN sees the
 *   whole environment, so every name in env is reported as used.
 * - ARG: default values only; ArgScope.declare applies the full build-arg rules.
 * - CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER: nothing (returned as a copy).
 * Throws DockerfileError on a bad substitution or an invalid expanded mount. */
export function expandInstruction<T extends StageInstruction>(inst: T, env: ExpansionEnv, opts: ExpandOptions = {}): Expansion<T> {
  const t = new Tracker(env, opts.escapeToken ?? '\\');
  const copy = structuredClone(inst) as StageInstruction;
  wrapErrors(inst.kind, inst.loc, opts, () => expandInPlace(copy, t));
  if (copy.kind === 'RUN') for (const name of env.keys()) t.used.add(name);
  for (const n of t.used) t.unset.delete(n);
  return { instruction: copy as T, usedVars: t.used, unsetVars: t.unset };
}

function expandInPlace(c: StageInstruction, t: Tracker): void {
  switch (c.kind) {
    case 'ENV':
      c.env = kvs(t, c.env);
      return;
    case 'LABEL':
      c.labels = kvs(t, c.labels);
      return;
    case 'COPY':
    case 'ADD': {
      const chown = t.optional(c.chown);
      if (chown !== undefined) c.chown = chown;
      if (c.kind === 'ADD') {
        const checksum = t.optional(c.checksum);
        if (checksum !== undefined) c.checksum = checksum;
      }
      c.sources = c.sources.map((s) => t.word(s));
      c.dest = t.word(c.dest);
      c.inlineSources = c.inlineSources.map((s) => (s.expand ? { ...s, data: t.raw(s.data) } : s));
      return;
    }
    case 'WORKDIR':
      c.path = t.word(c.path);
      return;
    case 'USER':
      c.user = t.word(c.user);
      return;
    case 'VOLUME':
      c.volumes = c.volumes.map((v) => t.word(v));
      return;
    case 'STOPSIGNAL':
      c.signal = t.word(c.signal);
      return;
    case 'EXPOSE':
      c.ports = c.ports.flatMap((p) => t.words(p));
      return;
    case 'RUN':
      c.mounts = c.mounts.map((m) => parseMount(m.spec, (v) => t.word(v)));
      return;
    case 'ARG':
      c.args = c.args.map((a) => (a.value === undefined ? { ...a } : { ...a, value: t.word(a.value) }));
      return;
    case 'CMD':
    case 'ENTRYPOINT':
    case 'SHELL':
    case 'HEALTHCHECK':
    case 'ONBUILD':
    case 'MAINTAINER':
      return;
  }
}

/** expandFrom expands a FROM line with the global (meta ARG) environment, as BuildKit does before it
 * resolves base images: the base name must not come out blank, and --platform must name a platform. */
export function expandFrom(from: FromInstruction, globalEnv: ExpansionEnv, opts: ExpandOptions = {}): Expansion<FromInstruction> {
  const t = new Tracker(globalEnv, opts.escapeToken ?? '\\');
  const copy = structuredClone(from);
  wrapErrors('FROM', from.loc, opts, () => {
    copy.baseName = t.word(from.baseName);
    if (copy.baseName === '') throw new InstructionFailure(`base name (${from.baseName}) should not be blank`);
    if (from.platform !== undefined) {
      let platform: string;
      try {
        platform = t.word(from.platform);
      } catch (err) {
        throw new InstructionFailure(`failed to process arguments for platform ${from.platform}: ${(err as Error).message}`);
      }
      if (platform === '') throw new InstructionFailure(`empty platform value from expression ${from.platform}`);
      try {
        parsePlatform(platform);
      } catch (err) {
        throw new InstructionFailure(`failed to parse platform ${platform}: ${(err as Error).message}`);
      }
      copy.platform = platform;
    }
  });
  for (const n of t.used) t.unset.delete(n);
  return { instruction: copy, usedVars: t.used, unsetVars: t.unset };
}
