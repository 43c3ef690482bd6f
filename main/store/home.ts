import { homedir } from 'node:os';
import { join } from 'node:path';

/** defaultStrataHome is $STRATA_HOME, else the platform's user data folder (XDG on Linux). */
export function defaultStrataHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_HOME) return env.STRATA_HOME;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'strata');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'strata');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'strata');
}
