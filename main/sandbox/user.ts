import { closeSync, fstatSync, openSync, readSync, constants as fsc } from 'node:fs';
import { SandboxError } from './errors.ts';
import { resolveInRoot } from './root-path.ts';

/** The identity a step runs as, resolved the way runc resolves docker's USER (moby/sys/user GetExecUser). */
export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary groups: the groups of /etc/group that list the user, when USER named no group. */
  groups: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 0xffff_fffe; // (uid_t)-1 is "no id"
const MAX_DB_BYTES = 4 << 20;

/** resolveUser turns docker USER syntax ('name', 'uid', 'uid:gid', 'name:group', '' = root) into ids,
 * reading /etc/passwd and /etc/group inside the root filesystem (symlinks resolved inside it). A numeric
 * user or group needs no entry; a name that no entry has is an error, as in docker. */
export function resolveUser(rootfs: string, spec: string | undefined): ExecUser {
  const text = (spec ?? '').trim();
  const colon = text.indexOf(':');
  const userPart = colon < 0 ? text : text.slice(0, colon);
  const groupPart = colon < 0 ? undefined : text.slice(colon + 1);
  if (colon >= 0 && groupPart === '') throw invalid(spec, 'the group after ":" is empty');

  const passwd = parsePasswd(readDb(rootfs, '/etc/passwd'));
  let uid: number;
  let gid = 0;
  let name: string | undefined;
  const userNum = parseId(userPart);
  if (userPart === '') {
    uid = 0;
    name = passwd.find((p) => p.uid === 0)?.name;
  } else {
    const entry = passwd.find((p) => (userNum === undefined ? p.name === userPart : p.uid === userNum));
    if (entry) {
      uid = entry.uid;
      gid = entry.gid;
      name = entry.name;
    } else if (userNum !== undefined) {
      uid = userNum;
    } else {
      throw new SandboxError('SANDBOX_USER_NOT_FOUND', `unable to find user ${userPart}: no matching entries in passwd file`, { user: userPart });
    }
  }

  const groups: number[] = [];
  if (groupPart !== undefined || name !== undefined) {
    const groupDb = parseGroup(readDb(rootfs, '/etc/group'));
    if (groupPart !== undefined) {
      const groupNum = parseId(groupPart);
      const entry = groupDb.find((g) => (groupNum === undefined ? g.name === groupPart : g.gid === groupNum));
      if (entry) gid = entry.gid;
      else if (groupNum !== undefined) gid = groupNum;
      else throw new SandboxError('SANDBOX_USER_NOT_FOUND', `unable to find group ${groupPart}: no matching entries in group file`, { group: groupPart });
    } else {
      for (const g of groupDb) if (g.members.includes(name!) && !groups.includes(g.gid)) groups.push(g.gid);
    }
  }
  return { uid, gid, groups };
}

function invalid(spec: string | undefined, why: string): SandboxError {
  return new SandboxError('SANDBOX_INVALID_OPTIONS', `invalid user "${spec}": ${why}`, { field: 'user', user: spec });
}

function parseId(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  if (n > MAX_ID) throw new SandboxError('SANDBOX_INVALID_OPTIONS', `id ${s} is out of range (at most ${MAX_ID})`, { field: 'user', id: s });
  return n;
}

/** parsePasswd reads passwd(5) lines; malformed lines are skipped, as libc does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f.length < 4 || !f[0] || !/^[0-9]+$/.test(f[2] ?? '') || !/^[0-9]+$/.test(f[3] ?? '')) continue;
    out.push({ name: f[0], uid, gid });
  }
  return out;
}

/** parseGroup reads group(5) lines (name:password:gid:member,member). */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || !f[0] || !/^[0-9]+$/.test(f[2] ?? '')) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

// The image is untrusted: its /etc/passwd may be a symlink to a host file or a FIFO, so it is resolved
// inside the root, opened without following a last symlink or blocking, and read only if it is a
// regular file of sane size. A missing file reads as empty.
function readDb(rootfs: string, path: string): string {
  const r = resolveInRoot(rootfs, path);
  if (r.stat === undefined || !r.stat.isFile()) return '';
  const fd = openSync(r.hostPath, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_DB_BYTES) return '';
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
