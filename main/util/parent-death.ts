import { existsSync } from 'node:fs';

/** util-linux setpriv, to give a child a parent-death signal (absent: the child runs as it is). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/** diesWithUs turns a command line into one whose process is SIGKILLed when this process dies: a kill -9 of
 * Strata must not leave a cp writing into the store's tmp/, or a mount(8) that mounts after fsck looked. */
export function diesWithUs(cmd: string, args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
}
