import type { SerializedError } from '../../../preload/contract.ts';

/** Codes the renderer's side of the bridge raises itself (the engine's own codes come over the wire). */
export type BridgeErrorCode = 'BRIDGE_DISCONNECTED' | 'BRIDGE_FAILED' | 'BRIDGE_PROTOCOL';

/** EngineError is an engine error typed again on the renderer's side: the code and message main sent.
 * It mirrors main's StrataError without importing it: the renderer takes only types from the contract. */
export class EngineError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }

  /** fromWire rebuilds an error from its envelope form. */
  static fromWire(e: SerializedError): EngineError {
    return new EngineError(e.code, e.message, e.details);
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** toEngineError turns anything thrown on the renderer's side into an EngineError (code BRIDGE_FAILED). */
export function toEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (e instanceof Error) return new EngineError('BRIDGE_FAILED', e.message);
  return new EngineError('BRIDGE_FAILED', String(e));
}
