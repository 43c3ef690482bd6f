import { StrataError } from '../util/errors.ts';

export type BuildErrorCode = 'BUILD_CONTEXT' | 'BUILD_SOURCE_NOT_FOUND' | 'BUILD_STEP_FAILED' | 'BUILD_CANCELLED' | 'BUILD_INVALID' | 'BUILD_BASE_IMAGE' | 'BUILD_PLATFORM' | 'BUILD_SANDBOX' | 'BUILD_CACHE';

/** BuildError is a failed build: it names the Dockerfile line when a step is at fault. */
export class BuildError extends StrataError {
  declare readonly code: BuildErrorCode;
  constructor(code: BuildErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
