// A fake engine for slice tests: answers from a table of handlers and records every call.
import type { EngineMethod } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { EngineError } from '../ipc/engine-error.ts';

export type Handler = (params: never) => Promise<unknown>;

/** fakeCaller answers each method from handlers (NOT_STUBBED for the others) and keeps [method, params]. */
export function fakeCaller(handlers: Partial<Record<EngineMethod, Handler>>) {
  const calls: [EngineMethod, unknown][] = [];
  const call = (async (method: EngineMethod, params: unknown) => {
    calls.push([method, params]);
    const h = handlers[method] as ((p: unknown) => Promise<unknown>) | undefined;
    if (!h) throw new EngineError('NOT_STUBBED', method);
    return h(params);
  }) as Caller;
  return { call, calls, methods: () => calls.map(([m]) => m) };
}

/** deferred is a promise a test resolves when it wants. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
