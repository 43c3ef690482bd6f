import { spawn } from 'node:child_process';
import { diesWithUs } from '../util/parent-death.ts';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { isWhiteout } from '../layer/overlay-diff.ts';
import { readMeta } from '../layer/file-meta.ts';

/** The directories of one overlay mount: lower stays untouched while mounted, the step's changes land in
 * upper, work is overlayfs' scratch space (same filesystem as upper), merged is the mount point. */
export interface OverlayDirs {
  lower: string;
  upper: string;
  work: string;
  merged: string;
}

// Plain directories in upper: no metacopy (content stays below), no redirects (a renamed directory is
// copied up whole), no index or xino: what is in upper is exactly what the step changed.
const OPTIONS = 'metacopy=off,redirect_dir=off,index=off,xino=off,volatile';
const MOUNT = ['/usr/bin/mount', '/bin/mount'].find((p) => existsSync(p)) ?? 'mount';
const UMOUNT = ['/usr/bin/umount', '/bin/umount'].find((p) => existsSync(p)) ?? 'umount';

let verdict: Promise<string | null> | null = null;

/** overlayUnavailable says why RUN steps cannot run on overlay mounts here (null: they can). Mounting needs
 * root outside a user namespace (an unprivileged user's sandbox gets a copy of the root instead);
 * STRATA_OVERLAY=0 turns it off. The first real mount decides the rest (see overlayFailed). */
export function overlayUnavailable(): Promise<string | null> {
  if (verdict) return verdict;
  verdict = (async () => {
    if (process.env.STRATA_OVERLAY === '0') return 'turned off (STRATA_OVERLAY=0)';
    if (process.platform !== 'linux') return 'not Linux';
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'mounting needs root';
    try {
      if (!/\toverlay\n/.test(readFileSync('/proc/filesystems', 'utf8'))) return 'the kernel has no overlay filesystem loaded';
    } catch {
      return 'cannot read /proc/filesystems';
    }
    return null;
  })();
  return verdict;
}

/** overlayFailed records that a mount failed: later steps copy their root instead of trying again. */
export function overlayFailed(reason: string): void {
  verdict = Promise.resolve(reason);
}

/** overlayPathsOk: overlayfs options are comma separated, with ':' between lower directories. */
export function overlayPathsOk(d: OverlayDirs): boolean {
  return [d.lower, d.upper, d.work].every((p) => !/[,:\\\n]/.test(p));
}

/** mountOverlay creates upper, work and merged (upper's root takes lower's owner, mode and times, as the
 * merged root shows upper's) and mounts the overlay at merged. */
export async function mountOverlay(d: OverlayDirs): Promise<void> {
  for (const p of [d.upper, d.work, d.merged]) mkdirSync(p, { recursive: true });
  const st = lstatSync(d.lower);
  chownSync(d.upper, st.uid, st.gid);
  chmodSync(d.upper, st.mode & 0o7777);
  utimesSync(d.upper, st.atime, st.mtime);
  await run(MOUNT, ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d.lower},upperdir=${d.upper},workdir=${d.work},${OPTIONS}`, d.merged]);
}

/** unmountOverlay unmounts merged (lazily when something still holds it: nothing writes there any more)
 * and removes the mount point and overlayfs' work directory. */
export async function unmountOverlay(d: OverlayDirs): Promise<void> {
  try {
    await run(UMOUNT, [d.merged]);
  } catch {
    await run(UMOUNT, ['-l', d.merged]);
  }
  rmdirSync(d.merged);
  rmSync(d.work, { recursive: true, force: true });
}

/** materialize turns upper (what a step changed, unmounted) into the whole root after the step, in place:
 * every lower entry the step left alone moves into upper by a rename (no copy), whiteouts go, and what
 * the step deleted or replaced stays behind in lower, which is removed. opaque names the directories
 * whose lower contents are hidden (from overlayDiff). Directory times in upper are kept. */
export function materialize(upper: string, lower: string, opaque: Set<string>): void {
  mergeDir(upper, lower, '', opaque);
  rmSync(lower, { recursive: true, force: true });
}

function mergeDir(upper: string, lower: string, rel: string, opaque: Set<string>): void {
  const st = lstatSync(upper);
  const inUpper = new Set(readdirSync(upper));
  if (!opaque.has(rel)) {
    for (const name of readdirSync(lower)) {
      const u = join(upper, name);
      const l = join(lower, name);
      if (!inUpper.has(name)) {
        renameSync(l, u);
        continue;
      }
      const um = readMeta(u);
      if (um?.type === 'dir' && lstatSync(l).isDirectory()) mergeDir(u, l, rel === '' ? name : `${rel}/${name}`, opaque);
    }
  }
  for (const name of inUpper) {
    const p = join(upper, name);
    if (isWhiteout(readMeta(p))) unlinkSync(p);
  }
  utimesSync(upper, st.atime, st.mtime);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // mount(8) dies with Strata: killed mid-step, it must not mount after fsck --repair has looked.
    const p = spawn(...diesWithUs(cmd, args), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args[0]}: ${err.trim() || `exit ${code}`}`))));
  });
}

/** resetOverlayVerdict forgets what overlayUnavailable decided (tests switch between the two ways). */
export function resetOverlayVerdict(): void {
  verdict = null;
}
