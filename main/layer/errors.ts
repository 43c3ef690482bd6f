import { StrataError } from '../util/errors.ts';

/** Codes a layer operation can fail with. */
export type LayerErrorCode =
  | 'LAYER_PATH_ESCAPE' // an entry or hard-link target would leave the target directory
  | 'LAYER_CORRUPT' // the tar stream or an entry in it is malformed
  | 'LAYER_UNSUPPORTED_ENTRY' // a tar entry type we cannot reproduce (GNU sparse, volume headers)
  | 'LAYER_SOURCE_CHANGED' // a file changed size while it was being written into a layer
  | 'LAYER_IO'; // a filesystem operation failed (details.path, details.cause)

/** LayerError is thrown by diff, tar writing and layer application; details name the entry path. */
export class LayerError extends StrataError {
  declare readonly code: LayerErrorCode;
  constructor(code: LayerErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
