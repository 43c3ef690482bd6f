import { StrataError } from '../../util/errors.ts';

/** Where a parse error happened: 1-based lines; `endLine` when the instruction spans several lines. */
export interface ParseErrorLocation {
  file?: string;
  line: number;
  endLine?: number;
  column?: number;
}

/** DockerfileParseError is the only error parseDockerfile throws; its message starts `Dockerfile:LINE: `. */
export class DockerfileParseError extends StrataError {
  declare readonly details: Record<string, unknown> & ParseErrorLocation;
  constructor(reason: string, location: ParseErrorLocation) {
    const details: ParseErrorLocation = { line: location.line };
    if (location.file !== undefined) details.file = location.file;
    if (location.endLine !== undefined && location.endLine > location.line) details.endLine = location.endLine;
    if (location.column !== undefined) details.column = location.column;
    super('DOCKERFILE_PARSE', `Dockerfile:${location.line}: ${reason}`, { ...details, reason });
  }
}

/** LineError is a failure not yet placed on a line; the parser rethrows it as DockerfileParseError. */
export class LineError extends Error {}
