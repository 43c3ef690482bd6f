// parseStages: Dockerfile text → meta ARGs + build stages (BuildKit instructions.Parse), with the
// stage checks and a few of BuildKit's lint warnings.
import { parseDockerfile, type InstructionNode, type ParseResult } from '../parser/index.ts';
import { DockerfileError } from './errors.ts';
import { parseInstruction } from './parse.ts';
import type { ArgInstruction, FromInstruction, Instruction, LintWarning, Stage } from './types.ts';

export interface ParseStagesOptions {
  /** the Dockerfile's name, carried into error details */
  file?: string;
}

export interface ParsedStages {
  /** ARG instructions before the first FROM: usable in FROM lines only */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  warnings: LintWarning[];
  /** the escape character in effect (`\` or a backtick), for the shell lexer */
  escapeToken: string;
}

const RULE_URL = 'https://docs.docker.com/go/dockerfile/rule/';

function lint(rule: string, slug: string, short: string, description: string, line: number): LintWarning {
  return { rule, short, detail: [description], url: RULE_URL + slug + '/', line };
}

/** getComment finds the comment above an instruction that starts with `name ` (BuildKit getComment). */
function getComment(comments: readonly string[], name: string | undefined): string | undefined {
  if (!name) return undefined;
  for (const line of comments) if (line.startsWith(name + ' ')) return line.slice(name.length + 1);
  return undefined;
}

const isLower = (s: string): boolean => s === s.toLowerCase();
const isUpper = (s: string): boolean => s === s.toUpperCase();

function lintInstruction(node: InstructionNode, inst: Instruction, warnings: LintWarning[]): void {
  const line = inst.loc.startLine;
  switch (inst.kind) {
    case 'FROM': {
      const written = inst.stageNameAsWritten;
      if (written !== undefined && written !== inst.stageName) {
        warnings.push(lint('StageNameCasing', 'stage-name-casing', `Stage name '${written}' should be lowercase`, 'Stage names should be lowercase', line));
      }
      const asWord = node.next?.next?.value;
      if (written !== undefined && asWord !== undefined) {
        const cmd = node.value;
        const mismatch = (isLower(cmd) && !isLower(asWord)) || (isUpper(cmd) && !isUpper(asWord));
        if (mismatch) {
          warnings.push(lint('FromAsCasing', 'from-as-casing', `'${asWord}' and '${cmd}' keywords' casing do not match`, "The 'as' keyword should match the case of the 'from' keyword", line));
        }
      }
      break;
    }
    case 'MAINTAINER':
      warnings.push(lint('MaintainerDeprecated', 'maintainer-deprecated', 'Maintainer instruction is deprecated in favor of using label', 'The MAINTAINER instruction is deprecated, use a label instead to define an image author', line));
      break;
    case 'ENV':
    case 'LABEL':
      if ((inst.kind === 'ENV' ? inst.env : inst.labels).some((kv) => kv.legacy)) {
        warnings.push(lint('LegacyKeyValueFormat', 'legacy-key-value-format', `"${inst.kind} key=value" should be used instead of legacy "${inst.kind} key value" format`, 'Legacy key/value format with whitespace separator should not be used', line));
      }
      break;
    case 'CMD':
    case 'ENTRYPOINT':
      if (inst.cmd.form === 'shell') {
        warnings.push(lint('JSONArgsRecommended', 'json-args-recommended', `JSON arguments recommended for ${inst.kind} to prevent unintended behavior related to OS signals`, 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals', line));
      }
      break;
    default:
      break;
  }
}

/** parseStages parses a Dockerfile into meta ARGs and stages (BuildKit instructions.Parse), checking that
 * only ARG comes before the first FROM, that stage names are valid and unique, and that there is a stage.
 * Accepts the text or an already parsed AST. Throws DockerfileParseError or DockerfileError. */
export function parseStages(input: string | ParseResult, opts: ParseStagesOptions = {}): ParsedStages {
  const parsed = typeof input === 'string' ? parseDockerfile(input, opts.file !== undefined ? { file: opts.file } : {}) : input;
  const where = (node: InstructionNode): ConstructorParameters<typeof DockerfileError>[1] => {
    const w: ConstructorParameters<typeof DockerfileError>[1] = {
      loc: { startLine: node.startLine, endLine: node.endLine },
      instruction: node.keyword,
    };
    if (opts.file !== undefined) w.file = opts.file;
    return w;
  };
  const warnings: LintWarning[] = parsed.warnings.map((w) => ({ rule: w.rule, short: w.short, detail: [...w.detail], url: w.url, line: w.line }));
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Map<string, number>();

  for (const node of parsed.ast.children) {
    const inst = parseInstruction(node, opts.file !== undefined ? { file: opts.file } : {});
    lintInstruction(node, inst, warnings);
    if (inst.kind === 'FROM') {
      stages.push(newStage(inst, stages.length, node, names, where));
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) {
      if (inst.kind === 'ARG') {
        metaArgs.push(inst);
        continue;
      }
      throw new DockerfileError(
        `no build stage in current context: ${inst.kind} must come after a FROM (only ARG may come before the first FROM)`,
        where(node),
      );
    }
    current.instructions.push(inst);
  }

  if (stages.length === 0) {
    const last = parsed.ast.children[parsed.ast.children.length - 1];
    const loc = { startLine: last?.startLine ?? 1, endLine: last?.endLine ?? 1 };
    const w: ConstructorParameters<typeof DockerfileError>[1] = { loc, instruction: '' };
    if (opts.file !== undefined) w.file = opts.file;
    throw new DockerfileError('dockerfile contains no stages to build: it needs a FROM instruction', w);
  }
  return { metaArgs, stages, warnings, escapeToken: parsed.escapeToken };
}

function newStage(
  from: FromInstruction,
  index: number,
  node: InstructionNode,
  names: Map<string, number>,
  where: (node: InstructionNode) => ConstructorParameters<typeof DockerfileError>[1],
): Stage {
  const stage: Stage = { index, ...(from.stageName !== undefined ? { name: from.stageName } : {}), baseName: from.baseName, loc: { ...from.loc }, from, instructions: [] };
  if (from.stageName !== undefined) {
    const earlier = names.get(from.stageName);
    if (earlier !== undefined) {
      throw new DockerfileError(
        `Duplicate stage name ${JSON.stringify(from.stageName)}, stage names should be unique (stage ${earlier} already uses it)`,
        where(node),
      );
    }
    names.set(from.stageName, index);
  }
  if (from.platform !== undefined) stage.platform = from.platform;
  const comment = getComment(node.comments, from.stageName);
  if (comment !== undefined) stage.comment = comment;
  return stage;
}
