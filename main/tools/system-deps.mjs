// The Debian packages Strata's tests use, in one place: npm test checks them, .ci/run installs them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Each package with a file that proves it is installed. */
export const SYSTEM_PACKAGES = [
  { pkg: 'skopeo', file: '/usr/bin/skopeo', why: 'image interop (OCI layout and docker-archive round trips)' },
  { pkg: 'umoci', file: '/usr/bin/umoci', why: 'unpacking built images' },
  { pkg: 'chromium', file: '/usr/bin/chromium', why: 'end-to-end tests of the UI' },
  { pkg: 'busybox-static', file: '/bin/busybox', why: 'an offline base image' },
  { pkg: 'docker-registry', file: '/usr/bin/docker-registry', why: 'a real OCI registry on 127.0.0.1' },
  { pkg: 'bubblewrap', file: '/usr/bin/bwrap', why: 'sandbox checks' },
  { pkg: 'apache2-utils', file: '/usr/bin/htpasswd', why: 'bcrypt htpasswd for registry auth tests' },
  { pkg: 'uidmap', file: '/usr/bin/newuidmap', why: 'rootless sandbox with subordinate id ranges' },
  { pkg: 'podman', file: '/usr/bin/podman', why: 'podman pull of images Strata pushes' },
  { pkg: 'openssl', file: '/usr/bin/openssl', why: 'test certificates for TLS and token-auth registries' },
  { pkg: 'docker.io', file: '/usr/sbin/dockerd', why: 'docker run of images Strata builds (dockerd started by the tests)' },
];

/** missingPackages lists the packages whose proof file is absent. */
export function missingPackages() {
  return SYSTEM_PACKAGES.filter((p) => !existsSync(p.file));
}

/** ensureSystemPackages installs what is missing with apt when root; otherwise explains and exits. */
export function ensureSystemPackages({ log = console.log } = {}) {
  const missing = missingPackages();
  if (!missing.length) return true;
  const names = missing.map((p) => p.pkg);
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${names.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`Strata's tests need system packages that are missing: ${names.join(', ')}.\nRun as root:\n  sudo sh -c '${cmd}'`);
    process.exit(3);
  }
  log(`Installing system packages the tests need: ${names.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error('apt-get update failed');
  r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...names], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`apt-get install ${names.join(' ')} failed`);
  const still = missingPackages();
  if (still.length) throw new Error(`still missing after apt-get install: ${still.map((p) => p.file).join(', ')}`);
  return true;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  ensureSystemPackages();
}
