// ARG scoping as BuildKit applies it (dockerfile2llb buildMetaArgs / dispatchArg): meta ARGs and the
// automatic platform ARGs form the global scope that only FROM lines see; inside a stage an ARG makes a
// name visible, taking its value from --build-arg, else its default, else the global value.
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../../oci/platform.ts';
import { ShellLex } from '../shell/lex.ts';
import { expandFrom, expandInstruction, type ExpandOptions, type Expansion, type ExpansionEnv } from './expand.ts';
import { DockerfileError } from './errors.ts';
import type { ArgInstruction, FromInstruction, Stage, StageInstruction } from './types.ts';

/** Proxy variables Docker passes to RUN from --build-arg without an ARG, kept out of history and cache. */
export const PROXY_ARGS: readonly string[] = [
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy',
  'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
];

/** The automatic ARGs of BuildKit's global scope: platforms, and the target stage's name. */
export const PLATFORM_ARGS: readonly string[] = [
  'BUILDPLATFORM', 'BUILDOS', 'BUILDOSVERSION', 'BUILDARCH', 'BUILDVARIANT',
  'TARGETPLATFORM', 'TARGETOS', 'TARGETOSVERSION', 'TARGETARCH', 'TARGETVARIANT', 'TARGETSTAGE',
];

/** Build args the builder itself reads (never reported as unused). */
export const BUILDER_ARGS: readonly string[] = [
  'BUILDKIT_CACHE_MOUNT_NS', 'BUILDKIT_CONTEXT_KEEP_GIT_DIR', 'BUILDKIT_INLINE_CACHE', 'BUILDKIT_MULTI_PLATFORM',
  'BUILDKIT_SANDBOX_HOSTNAME', 'BUILDKIT_SYNTAX', 'BUILDKIT_DOCKERFILE_CHECK', 'SOURCE_DATE_EPOCH',
  'BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE',
];

/** ARGs BuildKit never puts into the environment (nonEnvArgs). */
const NON_ENV_ARGS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);

const PREDEFINED = new Set([...PROXY_ARGS, ...PLATFORM_ARGS, ...BUILDER_ARGS]);

export interface ArgScopeOptions {
  /** --build-arg values */
  buildArgs?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** the platform the build runs on (default: this machine) */
  buildPlatform?: Platform | string;
  /** the platform being built for (default: the build platform) */
  targetPlatform?: Platform | string;
  /** the target stage's name (TARGETSTAGE): --target, else the last stage's name */
  targetStage?: string;
  /** the Dockerfile's escape token, default `\` */
  escapeToken?: string;
  file?: string;
}

/** BuildKit normalizes arm64's default variant away: linux/arm64, not linux/arm64/v8. */
function normalizePlatform(p: Platform | string): Platform {
  const plat = typeof p === 'string' ? parsePlatform(p) : { ...p };
  if (plat.architecture === 'arm64' && plat.variant === 'v8') delete plat.variant;
  return plat;
}

function platformArgs(build: Platform, target: Platform, targetStage: string): [string, string][] {
  return [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDOSVERSION', build['os.version'] ?? ''],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETOSVERSION', target['os.version'] ?? ''],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
    ['TARGETSTAGE', targetStage],
  ];
}

/** One resolved ARG name: value undefined when it has none (declared without default or build arg). */
export interface ResolvedArg {
  key: string;
  value?: string;
}

/** The outcome of one ARG instruction inside a stage. */
export interface ArgDeclarationResult {
  args: ResolvedArg[];
  /** names the default values looked up */
  usedVars: Set<string>;
  /** the image history entry, e.g. `ARG VERSION=1.2 DEBUG` */
  history: string;
}

/** ArgScope is the global ARG scope of one build: meta ARGs resolved against --build-arg and the
 * platform ARGs. Make one per build, expand FROM lines with it, and open a StageArgs per stage. */
export class ArgScope {
  readonly buildArgs: ReadonlyMap<string, string>;
  readonly escapeToken: string;
  /** the global scope in declaration order (meta ARGs without a value are not in it) */
  private readonly globals = new Map<string, string>();
  private readonly declaredNames = new Set<string>();
  private readonly file: string | undefined;

  private constructor(opts: ArgScopeOptions) {
    this.buildArgs = opts.buildArgs instanceof Map ? new Map(opts.buildArgs) : new Map(Object.entries(opts.buildArgs ?? {}));
    this.escapeToken = opts.escapeToken ?? '\\';
    this.file = opts.file;
  }

  /** create resolves the meta ARGs (those before the first FROM) in order: a --build-arg wins, else the
   * default expanded with the globals so far; one with neither stays unset. The automatic ARGs come
   * first and --build-arg overrides them (BuildKit defaultArgs + buildMetaArgs). */
  static create(metaArgs: readonly ArgInstruction[], opts: ArgScopeOptions = {}): ArgScope {
    const scope = new ArgScope(opts);
    const build = normalizePlatform(opts.buildPlatform ?? hostPlatform());
    const target = normalizePlatform(opts.targetPlatform ?? build);
    for (const [k, v] of platformArgs(build, target, opts.targetStage ?? '')) scope.globals.set(k, scope.buildArgs.get(k) ?? v);
    const lex = new ShellLex(scope.escapeToken);
    for (const inst of metaArgs) {
      for (const a of inst.args) {
        scope.declaredNames.add(a.key);
        let value: string | undefined;
        if (scope.buildArgs.has(a.key)) value = scope.buildArgs.get(a.key);
        else if (a.value !== undefined) {
          try {
            value = lex.processWord(a.value, scope.globalEnv());
          } catch (err) {
            const where: ConstructorParameters<typeof DockerfileError>[1] = { loc: inst.loc, instruction: 'ARG' };
            if (scope.file !== undefined) where.file = scope.file;
            throw new DockerfileError((err as Error).message, where, { cause: err });
          }
        }
        // Re-declaring with a value replaces it in place (EnvList.AddOrReplace).
        if (value !== undefined) scope.globals.set(a.key, value);
      }
    }
    return scope;
  }

  /** globalEnv is what FROM lines see: the automatic ARGs and the meta ARGs that have a value. */
  globalEnv(): ExpansionEnv {
    return new Map(this.globals);
  }

  /** globalValue is a meta/platform ARG's value; undefined when it is unknown or has none. */
  globalValue(name: string): string | undefined {
    return this.globals.get(name);
  }

  /** expandFrom expands a stage's FROM line (base name, --platform) with the global scope. */
  expandFrom(from: FromInstruction | Stage, opts: ExpandOptions = {}): Expansion<FromInstruction> {
    const inst = 'from' in from ? from.from : from;
    return expandFrom(inst, this.globalEnv(), this.expandOptions(opts));
  }

  /** stage opens the ARG/ENV scope of a stage. baseEnv is the base image's Env (`K=V` list or map), or
   * the StageArgs of the stage it is built FROM, whose ENV and ARG values it inherits. */
  stage(baseEnv?: StageArgs | readonly string[] | ReadonlyMap<string, string>): StageArgs {
    let env: Map<string, string>;
    if (baseEnv instanceof StageArgs) env = new Map(baseEnv.env);
    else if (baseEnv instanceof Map) env = new Map(baseEnv);
    else {
      env = new Map();
      for (const kv of (baseEnv as readonly string[] | undefined) ?? []) {
        const eq = kv.indexOf('=');
        if (eq < 0) env.set(kv, '');
        else env.set(kv.slice(0, eq), kv.slice(eq + 1));
      }
    }
    return new StageArgs(this, env);
  }

  /** proxyEnv lists the proxy variables given as --build-arg: RUN gets them without an ARG. */
  proxyEnv(): Map<string, string> {
    const out = new Map<string, string>();
    for (const k of PROXY_ARGS) {
      const v = this.buildArgs.get(k);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }

  /** declared is every ARG name declared so far, meta and in stages opened from this scope. */
  declared(): ReadonlySet<string> {
    return this.declaredNames;
  }

  /** unusedBuildArgs lists the --build-arg names no ARG declared (for the warning). */
  unusedBuildArgs(): string[] {
    return unusedBuildArgs(this.buildArgs, this.declaredNames);
  }

  /** @internal */
  noteDeclared(name: string): void {
    this.declaredNames.add(name);
  }

  /** @internal */
  expandOptions(opts: ExpandOptions): ExpandOptions {
    const out: ExpandOptions = { escapeToken: opts.escapeToken ?? this.escapeToken };
    const file = opts.file ?? this.file;
    if (file !== undefined) out.file = file;
    return out;
  }
}

/** StageArgs is the environment of one stage while it is dispatched: the base image's ENV, then ENV
 * instructions and ARG values in order. It is the env expansion sees and the env RUN gets. */
export class StageArgs {
  /** name → value; ARG values live here too, as BuildKit adds them to the LLB state's env */
  readonly env: Map<string, string>;

  /** @internal use ArgScope.stage */
  constructor(
    readonly scope: ArgScope,
    env: Map<string, string>,
  ) {
    this.env = env;
  }

  /** declare applies an ARG instruction (BuildKit dispatchArg). Per name: a --build-arg wins; else the
   * default, expanded with the stage env; else, with no default, the global (meta or platform) value. */
  declare(inst: ArgInstruction): ArgDeclarationResult {
    const lex = new ShellLex(this.scope.escapeToken);
    const usedVars = new Set<string>();
    const args: ResolvedArg[] = [];
    for (const a of inst.args) {
      this.scope.noteDeclared(a.key);
      let value: string | undefined;
      if (this.scope.buildArgs.has(a.key)) value = this.scope.buildArgs.get(a.key);
      else if (a.value !== undefined) {
        const m = (() => {
          try {
            return lex.processWordWithMatches(a.value, this.env);
          } catch (err) {
            const where: ConstructorParameters<typeof DockerfileError>[1] = { loc: inst.loc, instruction: 'ARG' };
            const file = this.scope.expandOptions({}).file;
            if (file !== undefined) where.file = file;
            throw new DockerfileError((err as Error).message, where, { cause: err });
          }
        })();
        for (const n of m.matched) usedVars.add(n);
        value = m.result;
      } else value = this.scope.globalValue(a.key);
      if (value !== undefined && !NON_ENV_ARGS.has(a.key)) this.env.set(a.key, value);
      args.push(value === undefined ? { key: a.key } : { key: a.key, value });
    }
    const history = 'ARG ' + args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' ');
    return { args, usedVars, history };
  }

  /** setEnv records an (expanded) ENV pair. */
  setEnv(key: string, value: string): void {
    this.env.set(key, value);
  }

  /** expand expands an instruction with this stage's env (see expandInstruction). */
  expand<T extends StageInstruction>(inst: T, opts: ExpandOptions = {}): Expansion<T> {
    return expandInstruction(inst, this.env, this.scope.expandOptions(opts));
  }

  /** fork opens the scope of a stage built FROM this one (it inherits ENV and ARG values). */
  fork(): StageArgs {
    return new StageArgs(this.scope, new Map(this.env));
  }
}

/** unusedBuildArgs lists, sorted, the --build-arg names that no ARG declared, leaving out the predefined
 * ones (proxy, platform and builder args), for the "build-args were not consumed" warning. */
export function unusedBuildArgs(
  buildArgs: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
  declared: Iterable<string>,
): string[] {
  const names = buildArgs instanceof Map ? [...buildArgs.keys()] : Object.keys(buildArgs);
  const seen = new Set(declared);
  return names.filter((n) => !seen.has(n) && !PREDEFINED.has(n)).sort();
}

/** declaredArgNames is every name an ARG declares anywhere in the Dockerfile (meta and all stages). */
export function declaredArgNames(metaArgs: readonly ArgInstruction[], stages: readonly Stage[]): Set<string> {
  const out = new Set<string>();
  for (const inst of metaArgs) for (const a of inst.args) out.add(a.key);
  for (const s of stages) {
    for (const inst of s.instructions) if (inst.kind === 'ARG') for (const a of inst.args) out.add(a.key);
  }
  return out;
}
