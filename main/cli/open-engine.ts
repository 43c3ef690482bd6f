import { Engine } from '../service/engine.ts';
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';

/** openEngine opens the store at $STRATA_HOME behind an engine, as the app would. */
export async function openEngine(mode: 'cli' | 'browser' = 'cli'): Promise<Engine> {
  return new Engine(await Store.open(defaultStrataHome()), mode);
}
