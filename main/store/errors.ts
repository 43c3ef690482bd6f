import { StrataError } from '../util/errors.ts';

export type StoreErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_DIGEST_MISMATCH'
  | 'BLOB_SIZE_MISMATCH'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_IN_USE'
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'ARCHIVE_INVALID'
  | 'NO_SPACE';

/** StoreError is every failure of the layer store, with a code a caller can switch on. */
export class StoreError extends StrataError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
