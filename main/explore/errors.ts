import { StrataError } from '../util/errors.ts';

/** Codes the layer explorer, waste analysis and image diff fail with. */
export type ExploreErrorCode =
  | 'EXPLORE_LAYER_RANGE' // a layer index outside the image
  | 'EXPLORE_NOT_FOUND' // no such path in the image (at that layer)
  | 'EXPLORE_NOT_A_FILE' // a directory, device or dangling link where a file's contents were asked for
  | 'EXPLORE_BINARY' // the file is not text
  | 'EXPLORE_BAD_PATTERN' // a path filter that is not a valid glob
  | 'EXPLORE_BAD_VALUE' // a size or ratio (CLI thresholds) that does not parse
  | 'EXPLORE_INDEX_CORRUPT' // a stored file index that does not decode (it is rebuilt)
  | 'EXPLORE_LAYER_UNREADABLE'; // a layer blob that is not a tar we can read (zstd on Node 20, broken gzip)

/** ExploreError is every failure of main/explore; details name the image, layer or path. */
export class ExploreError extends StrataError {
  declare readonly code: ExploreErrorCode;
  constructor(code: ExploreErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
