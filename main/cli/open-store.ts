import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';

/** openStore opens the store at $STRATA_HOME, for commands that need no engine (it loads far less). */
export function openStore(): Promise<Store> {
  return Store.open(defaultStrataHome());
}
