// DockerfileError: an instruction-level problem (bad arguments, flags, stage graph, expansion), placed on
// its source lines like BuildKit's parser.WithLocation.
import { StrataError } from '../../util/errors.ts';
import type { SourceLocation } from './types.ts';

/** Where a DockerfileError happened. */
export interface DockerfileErrorDetails {
  line: number;
  endLine: number;
  file?: string;
  column?: number;
  /** the instruction keyword (uppercase) the error is about, '' when none */
  instruction: string;
}

/** DockerfileError: message `Dockerfile:LINE: <what is wrong>`; `reason` is the text after the prefix. */
export class DockerfileError extends StrataError {
  declare readonly details: Record<string, unknown> & DockerfileErrorDetails & { reason: string };
  readonly reason: string;
  constructor(reason: string, where: { loc: SourceLocation; instruction: string; file?: string; column?: number }, options?: { cause?: unknown }) {
    const details: DockerfileErrorDetails = {
      line: where.loc.startLine,
      endLine: where.loc.endLine,
      instruction: where.instruction,
    };
    if (where.file !== undefined) details.file = where.file;
    if (where.column !== undefined) details.column = where.column;
    super('DOCKERFILE_INVALID', `Dockerfile:${where.loc.startLine}: ${reason}`, { ...details, reason }, options);
    this.reason = reason;
  }
}

/** InstructionFailure is thrown inside the per-instruction parsers; the caller adds the location. */
export class InstructionFailure extends Error {}

/** fail throws an InstructionFailure with the given upstream-compatible message. */
export function fail(message: string): never {
  throw new InstructionFailure(message);
}
