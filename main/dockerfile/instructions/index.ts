// Public surface of the typed-instruction layer (BuildKit frontend/dockerfile/instructions).
export type * from './types.ts';
export { DockerfileError, type DockerfileErrorDetails } from './errors.ts';
export { parseInstruction, INSTRUCTION_NAMES, VALID_STAGE_NAME, type ParseInstructionOptions } from './parse.ts';
export { parseStages, type ParseStagesOptions, type ParsedStages } from './stages.ts';
export { expandInstruction, expandFrom, type ExpandOptions, type Expansion, type ExpansionEnv } from './expand.ts';
export {
  ArgScope,
  StageArgs,
  unusedBuildArgs,
  declaredArgNames,
  PROXY_ARGS,
  PLATFORM_ARGS,
  BUILDER_ARGS,
  type ArgScopeOptions,
  type ArgDeclarationResult,
  type ResolvedArg,
} from './args.ts';
export {
  stageDependencies,
  stageEdges,
  stagesNeeded,
  resolveTarget,
  stageLabel,
  SCRATCH,
  type StageRef,
  type StageEdge,
  type StageGraphOptions,
} from './graph.ts';
export { parseMount, splitCsvFields } from './mounts.ts';
export { parseGoDuration } from './go-parse.ts';
