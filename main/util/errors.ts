/** StrataError is the base of every error the engine throws on purpose: a literal code, a message
 * a user can act on, and structured details. It crosses IPC as {code, message, details}. */
export class StrataError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export interface SerializedError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** serializeError turns any thrown value into the wire form; unknown errors become INTERNAL. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof StrataError) return err.toJSON();
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}
