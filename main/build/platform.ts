// Platforms of a build: the one a stage is for (FROM --platform, else its base image's, else this machine's),
// and whether this machine can run that platform's programs for RUN (natively or by a binfmt_misc emulator).
import { existsSync, readFileSync } from 'node:fs';
import type { ImageConfig } from '../oci/config.ts';
import { formatPlatform, hostPlatform, type Platform } from '../oci/platform.ts';

/** configPlatform is the platform an image config declares. */
export function configPlatform(config: Pick<ImageConfig, 'os' | 'architecture' | 'variant'>): Platform {
  const p: Platform = { os: config.os, architecture: config.architecture };
  if (config.variant) p.variant = config.variant;
  return p;
}

/** The host architectures that run another's programs natively. */
const NATIVE_ALSO: Record<string, string[]> = { amd64: ['386'], arm64: ['arm'] };
/** The names binfmt_misc entries (qemu-user, as tonistiigi/binfmt registers them) take per architecture. */
const QEMU_NAME: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', arm: 'arm', '386': 'i386', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64le: 'mips64el', loong64: 'loongarch64' };

/** emulatorFor returns the binfmt_misc entry that runs `architecture` programs here, or null. */
export function emulatorFor(architecture: string, binfmtDir = '/proc/sys/fs/binfmt_misc'): string | null {
  const name = QEMU_NAME[architecture];
  if (!name) return null;
  for (const entry of [`qemu-${name}`, `buildkit-qemu-${name}`]) {
    const path = `${binfmtDir}/${entry}`;
    try {
      if (existsSync(path) && readFileSync(path, 'utf8').startsWith('enabled')) return path;
    } catch {
      // unreadable: not usable
    }
  }
  return null;
}

/** runnableHere says why programs of platform `p` cannot run on this machine, or null when they can. */
export function whyNotRunnable(p: Platform, host: Platform = hostPlatform(), binfmtDir?: string): string | null {
  if (p.os !== 'linux') return `${formatPlatform(p)} is not a Linux platform; RUN needs Linux programs`;
  if (p.architecture === host.architecture) return null;
  if ((NATIVE_ALSO[host.architecture] ?? []).includes(p.architecture)) return null;
  if (emulatorFor(p.architecture, binfmtDir)) return null;
  return `this ${formatPlatform(host)} machine cannot run ${formatPlatform(p)} programs (no binfmt_misc emulator for ${p.architecture} is registered; install qemu-user-static and binfmt-support, or build this stage for ${formatPlatform(host)})`;
}
