import { isIP } from 'node:net';
import { DOCKER_HUB_DOMAIN, LEGACY_DOCKER_HUB_DOMAIN } from '../oci/reference.ts';
import { RegistryError } from './errors.ts';

/** DOCKER_HUB_API_HOST is where docker.io's registry API lives. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** DOCKER_HUB_CONFIG_KEY is the key docker's config.json uses for Docker Hub credentials. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

/** Endpoint is where a registry's API is reached and under which transport rules. */
export interface Endpoint {
  /** registry is the reference domain (`docker.io`, `localhost:5000`). */
  registry: string;
  /** base is the API origin (`https://registry-1.docker.io`). */
  base: URL;
  /** loopback: the host is this machine. */
  loopback: boolean;
  /** insecure: the user allowed plain HTTP for this registry. */
  insecure: boolean;
}

/** hostnameOf drops the port (and IPv6 brackets) from `host[:port]`. */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
}

/** isLoopbackHost says whether a hostname is this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

const METADATA_HOSTNAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** forbiddenAddressReason says why an IP address must never be contacted for a registry (link-local or
 * cloud metadata: where an attacker-chosen realm or redirect would read instance credentials), else null. */
export function forbiddenAddressReason(address: string): string | null {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(a) === 4) {
    const [p0, p1] = a.split('.').map(Number) as [number, number];
    if (a === '100.100.100.200') return 'a cloud metadata address';
    if (p0 === 169 && p1 === 254) return a === '169.254.169.254' ? 'the cloud metadata address' : 'a link-local address';
    if (p0 === 0) return 'an unspecified address';
    return null;
  }
  if (isIP(a) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (mapped?.[1]) return forbiddenAddressReason(mapped[1]);
    if (a === 'fd00:ec2::254') return 'the cloud metadata address';
    if (/^fe[89ab][0-9a-f]:/.test(a)) return 'a link-local address';
    if (a === '::') return 'an unspecified address';
    return null;
  }
  return null;
}

/** forbiddenHostReason checks a URL hostname (name or literal address) against forbiddenAddressReason. */
export function forbiddenHostReason(hostname: string): string | null {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (METADATA_HOSTNAMES.has(h)) return 'a cloud metadata host name';
  return forbiddenAddressReason(h);
}

/** normalizeRegistry turns what a user types for a registry (`docker.io`, `https://index.docker.io/v1/`,
 * `http://localhost:5000/`) into the reference domain Strata keys registries by. */
export function normalizeRegistry(input: string): string {
  let s = input.trim();
  if (!s) throw new RegistryError('INVALID_REGISTRY', 'no registry given: name one, e.g. docker.io or localhost:5000');
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  s = s.split('/')[0] ?? '';
  s = s.toLowerCase();
  if (s === LEGACY_DOCKER_HUB_DOMAIN || s === DOCKER_HUB_API_HOST || s === 'registry.hub.docker.com') s = DOCKER_HUB_DOMAIN;
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/.test(s)) {
    throw new RegistryError('INVALID_REGISTRY', `"${input}" is not a registry host (expected host[:port], e.g. registry.example.com or localhost:5000)`, { input });
  }
  return s;
}

/** registryEndpoint applies the transport rules: HTTPS with verified TLS, plain HTTP only for loopback hosts
 * or registries the user marked insecure; docker.io is served from registry-1.docker.io. A loopback registry
 * listed in httpsRegistries is reached over HTTPS. */
export function registryEndpoint(registry: string, insecureRegistries: readonly string[] = [], httpsRegistries: readonly string[] = []): Endpoint {
  const domain = normalizeRegistry(registry);
  const apiHost = domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_API_HOST : domain;
  const hostname = hostnameOf(apiHost);
  const reason = forbiddenHostReason(hostname);
  if (reason) throw new RegistryError('INVALID_REGISTRY', `registry ${domain} is ${reason}: Strata does not talk to such hosts`, { registry: domain });
  const loopback = isLoopbackHost(hostname);
  const listed = (list: readonly string[]) =>
    list.some((r) => {
      try {
        return normalizeRegistry(r) === domain;
      } catch {
        return false;
      }
    });
  const insecure = listed(insecureRegistries);
  const scheme = (loopback || insecure) && !listed(httpsRegistries) ? 'http' : 'https';
  return { registry: domain, base: new URL(`${scheme}://${apiHost}`), loopback, insecure };
}

/** checkOutboundUrl refuses a token realm or redirect target that breaks the endpoint's rules: another scheme
 * than http(s), a downgrade from https, link-local/metadata hosts, this machine when the registry is not
 * local, or credentials in the URL. */
export function checkOutboundUrl(target: URL, endpoint: Endpoint, kind: 'realm' | 'redirect', insecureRegistries: readonly string[] = []): void {
  const code = kind === 'realm' ? 'UNSAFE_AUTH_REALM' : 'UNSAFE_REDIRECT';
  const label = kind === 'realm' ? 'token realm' : 'redirect';
  const shown = `${target.protocol}//${target.host}${target.pathname}`;
  const refuse = (why: string): never => {
    throw new RegistryError(code, `refused the ${label} ${shown} from ${endpoint.registry}: ${why}`, { registry: endpoint.registry, target: shown });
  };
  if (target.protocol !== 'https:' && target.protocol !== 'http:') refuse('only http and https are allowed');
  if (target.username || target.password) refuse('it carries credentials in the URL');
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const reason = forbiddenHostReason(hostname);
  if (reason) refuse(`it points at ${reason}`);
  if (endpoint.base.protocol === 'https:' && target.protocol === 'http:') refuse('it downgrades HTTPS to plain HTTP');
  const targetLoopback = isLoopbackHost(hostname);
  if (targetLoopback && !endpoint.loopback) refuse('a remote registry may not send Strata to this machine');
  if (target.protocol === 'http:' && !targetLoopback && target.host !== endpoint.base.host) {
    const allowed = insecureRegistries.some((r) => {
      try {
        return normalizeRegistry(r) === target.host.toLowerCase();
      } catch {
        return false;
      }
    });
    if (!allowed) refuse(`plain HTTP to ${target.host} is not allowed (mark it insecure to allow it)`);
  }
}
