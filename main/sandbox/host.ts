import { accessSync, constants as fsc, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';

/** A range of subordinate ids from /etc/subuid or /etc/subgid. */
export interface IdRange {
  start: number;
  count: number;
}

/** How ids inside the sandbox relate to ids on the host (user_namespaces(7)).
 * - root: Strata runs as root; each sandbox gets a user namespace mapping every id to itself, so a file
 *   a step writes as 1000:1000 is 1000:1000 on disk, and root inside has no power outside.
 * - subuid: rootless with subordinate ids; the caller is root inside and 1..count map onto the ranges.
 * - single: rootless without them; only the step's own uid and gid exist inside (both are the caller on
 *   disk), so chown to any other id fails with EINVAL and every file on disk belongs to the caller. */
export type IdMapping =
  | { kind: 'root' }
  | { kind: 'subuid'; uid: number; gid: number; subuid: IdRange; subgid: IdRange }
  | { kind: 'single'; uid: number; gid: number; why: string };

/** The host programs the sandbox drives. */
export interface HostTools {
  bwrap: string;
  /** util-linux setpriv: sets supplementary groups before bwrap when Strata runs as root. */
  setpriv?: string;
  /** util-linux unshare and nsenter plus shadow's newuidmap/newgidmap: the subuid mapping. */
  unshare?: string;
  nsenter?: string;
  newuidmap?: string;
  newgidmap?: string;
}

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** findTool looks a program up on PATH and the usual system directories; undefined when absent. */
export function findTool(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter((d) => d.startsWith('/')), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, fsc.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** findHostTools finds every program the sandbox may use. */
export function findHostTools(): HostTools | undefined {
  // STRATA_BWRAP names the bubblewrap to use (one outside PATH); when set, no other is looked for.
  const override = process.env.STRATA_BWRAP;
  const bwrap = override ? (isExecutable(override) ? override : undefined) : findTool('bwrap');
  if (!bwrap) return undefined;
  const tools: HostTools = { bwrap };
  for (const name of ['setpriv', 'unshare', 'nsenter', 'newuidmap', 'newgidmap'] as const) {
    const p = findTool(name);
    if (p) tools[name] = p;
  }
  return tools;
}

/** parseSubIds finds the first range /etc/subuid (or subgid) grants to a user, by name or by number. */
export function parseSubIds(text: string, name: string | undefined, id: number): IdRange | undefined {
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length !== 3 || line.startsWith('#')) continue;
    if (f[0] !== name && f[0] !== String(id)) continue;
    const start = Number(f[1]);
    const count = Number(f[2]);
    if (Number.isSafeInteger(start) && Number.isSafeInteger(count) && start > 0 && count > 0) return { start, count };
  }
  return undefined;
}

/** chooseIdMapping picks the mapping for this process: root, subordinate ranges when /etc/subuid and
 * /etc/subgid grant them and newuidmap/newgidmap exist, else a single id. */
export function chooseIdMapping(tools: HostTools, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): IdMapping {
  const uid = process.getuid!();
  const gid = process.getgid!();
  if (uid === 0) return { kind: 'root' };
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = undefined; // a uid without a passwd entry (containers): ranges can still be keyed by number
  }
  const subuid = parseSubIds(readOrEmpty(files.subuid), name, uid);
  // newgidmap looks the *user* up in /etc/subgid (by name or uid), not the group.
  const subgid = parseSubIds(readOrEmpty(files.subgid), name, uid);
  if (!subuid || !subgid) return { kind: 'single', uid, gid, why: `no range for ${name ?? uid} in ${files.subuid} and ${files.subgid}` };
  const missing = (['unshare', 'nsenter', 'newuidmap', 'newgidmap'] as const).filter((t) => !tools[t]);
  if (missing.length) return { kind: 'single', uid, gid, why: `${missing.join(', ')} not installed (apt: uidmap, util-linux)` };
  return { kind: 'subuid', uid, gid, subuid, subgid };
}

function readOrEmpty(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** describeMapping says in a few words how ids are mapped (sandboxSupport's method). */
export function describeMapping(m: IdMapping): string {
  switch (m.kind) {
    case 'root':
      return 'user namespace mapping every id to itself (running as root)';
    case 'subuid':
      return `rootless user namespace: uid ${m.uid} is root, 1-${m.subuid.count} map to ${m.subuid.start}-${m.subuid.start + m.subuid.count - 1}`;
    case 'single':
      return `rootless user namespace with a single id (${m.why}): chown to other ids fails`;
  }
}
