import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX, busyboxApplets } from '../../testing/busybox-image.ts';

let applets: string[] | undefined;

/** makeBusyboxRoot builds a root filesystem in dir: /bin/busybox (busybox-static) with one symlink per
 * applet, /etc/passwd and /etc/group with root and app (1000:1000), and /tmp. No /proc, /dev or /etc/hosts:
 * the sandbox must provide them without leaving them behind. */
export function makeBusyboxRoot(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'etc'));
  mkdirSync(join(dir, 'tmp'));
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  applets ??= busyboxApplets();
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n');
  return dir;
}
