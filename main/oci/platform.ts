import { arch as osArch } from 'node:os';

/** Platform of an image (image-index.md#platform-variants). */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const NODE_TO_OCI_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** hostPlatform is the platform of the machine Strata runs on, as Go/OCI spell it. */
export function hostPlatform(): Platform {
  const architecture = NODE_TO_OCI_ARCH[osArch()] ?? osArch();
  const p: Platform = { architecture, os: 'linux' };
  if (architecture === 'arm64') p.variant = 'v8';
  if (architecture === 'arm') p.variant = 'v7';
  return p;
}

/** parsePlatform reads `os/arch[/variant]` as `--platform` takes it. */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new Error(`invalid platform "${s}": expected os/arch[/variant]`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** formatPlatform writes `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** platformMatches says whether a candidate satisfies a wanted platform (variant optional; arm64 v8 default). */
export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  const norm = (p: Platform) => (p.variant ?? (p.architecture === 'arm64' ? 'v8' : ''));
  if (want.variant && norm(want) !== norm(have)) return false;
  return true;
}
