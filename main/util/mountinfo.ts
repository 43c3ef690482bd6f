import { readFileSync } from 'node:fs';

/** One line of /proc/self/mountinfo: where it is mounted, the file system type and its options. */
export interface MountEntry {
  point: string;
  fsType: string;
  superOptions: string;
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** parseMountinfo reads the mountinfo format: `id parent dev root MOUNTPOINT options [optional…] - FSTYPE
 * source superoptions`, paths with octal escapes (`\040` for a space). */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (!f[4] || dash < 0) continue;
    out.push({ point: unescape(f[4]), fsType: f[dash + 1] ?? '', superOptions: f[dash + 3] ?? '' });
  }
  return out;
}

/** mounts lists this process's mount namespace ([] where /proc is not there). */
export function mounts(): MountEntry[] {
  try {
    return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

/** mountsBelow lists the mount points strictly below dir (dir itself may well be a mount: its own disk). */
export function mountsBelow(dir: string): string[] {
  const under = dir.endsWith('/') ? dir : dir + '/';
  return mounts().map((m) => m.point).filter((p) => p.startsWith(under));
}

/** overlayLowerDirs lists the lower directories of the live overlay mounts. */
export function overlayLowerDirs(): Set<string> {
  const out = new Set<string>();
  for (const m of mounts()) {
    if (m.fsType !== 'overlay') continue;
    const lower = /(?:^|,)lowerdir=([^,]+)/.exec(m.superOptions)?.[1];
    if (lower) for (const d of lower.split(':')) out.add(unescape(d));
  }
  return out;
}
