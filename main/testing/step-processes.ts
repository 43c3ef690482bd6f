import { readdirSync, readFileSync } from 'node:fs';

/** stepProcesses lists the host pids whose command line holds marker: a RUN step's own processes. bwrap's
 * own are left out: their command line holds the step's until bwrap execs it (and a bwrap killed during
 * set-up can leave its child blocked there, never running the step). */
export function stepProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0');
      if (!argv[0]?.endsWith('bwrap') && argv.join(' ').includes(marker)) pids.push(Number(d));
    } catch {
      /* ended meanwhile */
    }
  }
  return pids;
}
