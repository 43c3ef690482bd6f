import { readFileSync } from 'node:fs';
import { secureJoin } from '../util/secure-join.ts';
import { BuildError } from './errors.ts';

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
}

function readTable(rootfs: string, file: string): string[][] {
  try {
    return readFileSync(secureJoin(rootfs, file), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** resolveUser reads docker's USER / --chown syntax (`name`, `uid`, `uid:gid`, `name:group`) against the
 * image's /etc/passwd and /etc/group; numeric ids need no entry. A name that is not there is an error. */
export function resolveUser(rootfs: string, spec: string, opts: { groupDefaultsToUid?: boolean } = {}): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':', 2) as [string, string | undefined];
  const passwd = readTable(rootfs, '/etc/passwd');
  let uid: number;
  let gid: number | undefined;
  let home = '/';
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const row = passwd.find((r) => r[2] === userPart);
    if (row) {
      gid = Number(row[3]);
      home = row[5] || '/';
    }
  } else {
    const row = passwd.find((r) => r[0] === userPart);
    if (!row) throw new BuildError('BUILD_INVALID', `unable to find user ${userPart}: no matching entries in passwd file`, { user: userPart });
    uid = Number(row[2]);
    gid = Number(row[3]);
    home = row[5] || '/';
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const row = readTable(rootfs, '/etc/group').find((r) => r[0] === groupPart);
      if (!row) throw new BuildError('BUILD_INVALID', `unable to find group ${groupPart}: no matching entries in group file`, { group: groupPart });
      gid = Number(row[2]);
    }
  }
  // COPY --chown=user (no group) uses the uid as gid, as docker documents; USER takes the passwd group.
  if (opts.groupDefaultsToUid && (groupPart === undefined || groupPart === '')) gid = uid;
  return { uid, gid: gid ?? 0, home };
}
