import type { EngineMethod, Envelope, ParamsOf, ResultOf, StrataBridge } from '../../../preload/contract.ts';
import { EngineError, toEngineError } from './engine-error.ts';

/** Caller runs one engine method and resolves with its result, or throws an EngineError. */
export type Caller = <M extends EngineMethod>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

/** makeCaller unwraps the bridge's envelopes: `{ok:true,result}` → result, `{ok:false,error}` → throw EngineError. */
export function makeCaller(bridge: StrataBridge): Caller {
  return async <M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> => {
    let envelope: Envelope<ResultOf<M>>;
    try {
      envelope = await bridge.invoke(method, params);
    } catch (e) {
      throw toEngineError(e);
    }
    if (!envelope || typeof envelope !== 'object' || typeof envelope.ok !== 'boolean') {
      throw new EngineError('BRIDGE_PROTOCOL', `${method}: the bridge answered without an envelope`);
    }
    if (!envelope.ok) throw EngineError.fromWire(envelope.error);
    return envelope.result;
  };
}
