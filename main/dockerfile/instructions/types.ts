// Typed Dockerfile instructions: BuildKit's frontend/dockerfile/instructions commands as a discriminated
// union on `kind`. Values are as written (unexpanded) until expand.ts produces an expanded copy.

/** 1-based inclusive source lines of an instruction (continuations and heredoc bodies included). */
export interface SourceLocation {
  startLine: number;
  endLine: number;
}

interface InstructionBase<K extends string> {
  kind: K;
  loc: SourceLocation;
  /** the instruction's logical line as written, trimmed (BuildKit withNameAndCode.String()) */
  original: string;
}

/** A command line: shell form (`RUN echo hi`, run by the SHELL) or exec form (`RUN ["echo", "hi"]`). */
export type CommandLine = { form: 'shell'; command: string } | { form: 'exec'; argv: string[] };

/** One ENV or LABEL pair; `legacy` marks the `ENV key value` form (no `=`). */
export interface KeyValue {
  key: string;
  value: string;
  legacy: boolean;
}

/** One name of an ARG instruction; `value` is the default, undefined when none was given. */
export interface ArgDeclaration {
  key: string;
  value?: string;
}

export interface FromInstruction extends InstructionBase<'FROM'> {
  /** the image or stage to start from, e.g. `alpine:3.20`, `builder`, `${BASE}` */
  baseName: string;
  /** `AS name`, lowercased */
  stageName?: string;
  /** the stage name as written (for the StageNameCasing warning) */
  stageNameAsWritten?: string;
  /** --platform, unexpanded */
  platform?: string;
}

export interface ArgInstruction extends InstructionBase<'ARG'> {
  args: ArgDeclaration[];
}

export interface EnvInstruction extends InstructionBase<'ENV'> {
  env: KeyValue[];
}

export interface LabelInstruction extends InstructionBase<'LABEL'> {
  labels: KeyValue[];
}

export interface WorkdirInstruction extends InstructionBase<'WORKDIR'> {
  path: string;
}

/** A COPY/ADD heredoc source (`COPY <<EOF /dst`): an inline file named after the delimiter.
 * `data` has `<<-` tab-chomping applied; `expand` is false when the delimiter was quoted. */
export interface InlineSource {
  path: string;
  data: string;
  expand: boolean;
}

interface CopyLike {
  /** context (or stage/image) paths, as written */
  sources: string[];
  /** heredoc sources, in order */
  inlineSources: InlineSource[];
  dest: string;
  chown?: string;
  chmod?: string;
  /** --exclude patterns (repeatable) */
  exclude: string[];
  link: boolean;
  /** arguments were given as a JSON array */
  json: boolean;
}

export interface CopyInstruction extends InstructionBase<'COPY'>, CopyLike {
  /** --from: a stage name, a stage index, or an image reference */
  from?: string;
  parents: boolean;
}

export interface AddInstruction extends InstructionBase<'ADD'>, CopyLike {
  keepGitDir: boolean;
  /** --checksum=sha256:... for an HTTP source */
  checksum?: string;
  /** --unpack given explicitly (true/false); undefined means the default (local archives unpack) */
  unpack?: boolean;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type MountSharing = 'shared' | 'private' | 'locked';

/** One RUN --mount. Unset optional keys are absent. On an unexpanded RUN, keys listed in `deferred`
 * held a `$` and are only validated and converted by expandInstruction. */
export interface RunMount {
  type: MountType;
  from?: string;
  source?: string;
  target?: string;
  readOnly: boolean;
  /** tmpfs size in bytes */
  sizeLimit?: number;
  /** cache id / secret id / ssh id */
  id?: string;
  sharing?: MountSharing;
  required: boolean;
  /** secret: expose as this environment variable */
  env?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** the flag value as written (`type=cache,target=/root/.cache`) */
  spec: string;
  /** mount keys whose values await expansion */
  deferred?: string[];
}

export type NetworkMode = 'default' | 'none' | 'host';
export type SecurityMode = 'sandbox' | 'insecure';

/** A RUN heredoc (`RUN <<EOF`): the body as written (chomp not applied) and the delimiter's flags. */
export interface RunHeredoc {
  name: string;
  data: string;
  chomp: boolean;
  expand: boolean;
  fileDescriptor: number;
}

export interface RunInstruction extends InstructionBase<'RUN'> {
  cmd: CommandLine;
  heredocs: RunHeredoc[];
  mounts: RunMount[];
  network: NetworkMode;
  security: SecurityMode;
  /** flag names given, e.g. ['mount', 'network'] */
  flagsUsed: string[];
}

export interface UserInstruction extends InstructionBase<'USER'> {
  user: string;
}

export interface ExposeInstruction extends InstructionBase<'EXPOSE'> {
  /** port words, sorted as BuildKit sorts them */
  ports: string[];
}

export interface CmdInstruction extends InstructionBase<'CMD'> {
  cmd: CommandLine;
}

export interface EntrypointInstruction extends InstructionBase<'ENTRYPOINT'> {
  cmd: CommandLine;
}

export interface VolumeInstruction extends InstructionBase<'VOLUME'> {
  volumes: string[];
  json: boolean;
}

export interface ShellInstruction extends InstructionBase<'SHELL'> {
  shell: string[];
}

/** Docker's HealthConfig. Durations are nanoseconds (0 = not set, inherit the default). `test` is
 * ['NONE'], ['CMD', ...argv] or ['CMD-SHELL', command]. */
export interface HealthConfig {
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export interface HealthcheckInstruction extends InstructionBase<'HEALTHCHECK'> {
  health: HealthConfig;
}

export interface StopsignalInstruction extends InstructionBase<'STOPSIGNAL'> {
  signal: string;
}

export interface OnbuildInstruction extends InstructionBase<'ONBUILD'> {
  /** the trigger as written, without `ONBUILD`, heredoc bodies appended (BuildKit Expression) */
  expression: string;
  /** the trigger's keyword, uppercased, e.g. 'RUN' */
  trigger: string;
}

/** MAINTAINER is deprecated (use LABEL) but still parsed and kept. */
export interface MaintainerInstruction extends InstructionBase<'MAINTAINER'> {
  maintainer: string;
}

/** Every instruction inside a stage (FROM starts a stage instead). */
export type StageInstruction =
  | ArgInstruction
  | EnvInstruction
  | LabelInstruction
  | WorkdirInstruction
  | CopyInstruction
  | AddInstruction
  | RunInstruction
  | UserInstruction
  | ExposeInstruction
  | CmdInstruction
  | EntrypointInstruction
  | VolumeInstruction
  | ShellInstruction
  | HealthcheckInstruction
  | StopsignalInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

/** Instruction is any typed instruction. */
export type Instruction = FromInstruction | StageInstruction;

export type InstructionKind = Instruction['kind'];

/** One build stage: a FROM and the instructions up to the next FROM. */
export interface Stage {
  /** 0-based position in the Dockerfile (what `COPY --from=N` refers to) */
  index: number;
  /** `AS name`, lowercased */
  name?: string;
  /** the FROM's image or stage, unexpanded */
  baseName: string;
  /** --platform, unexpanded */
  platform?: string;
  loc: SourceLocation;
  from: FromInstruction;
  instructions: StageInstruction[];
  /** the comment above the FROM that starts with the stage name (BuildKit getComment) */
  comment?: string;
}

/** A lint-style warning (BuildKit rule names where one exists). */
export interface LintWarning {
  rule: string;
  short: string;
  detail: string[];
  url: string;
  line: number;
}
