import { StrataError } from '../util/errors.ts';

/** Error codes of the distribution spec (spec.md#error-codes), then Strata's own for what the spec does not cover. */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_TIMEOUT'
  | 'REGISTRY_TLS'
  | 'REGISTRY_PROTOCOL'
  | 'INSECURE_REGISTRY'
  | 'UNSAFE_REDIRECT'
  | 'UNSAFE_AUTH_REALM'
  | 'PLATFORM_NOT_FOUND'
  | 'NOT_AN_IMAGE'
  | 'BLOB_DIGEST_MISMATCH'
  | 'BLOB_SIZE_MISMATCH'
  | 'CREDENTIAL_HELPER'
  | 'DOCKER_CONFIG_INVALID'
  | 'INVALID_REGISTRY'
  | 'ABORTED';

/** RegistryErrorDetails are safe to show and to send over IPC: never a password, token or Authorization header. */
export interface RegistryErrorDetails {
  registry?: string;
  repository?: string;
  status?: number;
  /** The distribution-spec code the registry sent, when it sent one. */
  specCode?: string;
  [key: string]: unknown;
}

/** RegistryError is every failure talking to a registry: the spec code (or ours), the HTTP status, and a
 * message that says what to do. */
export class RegistryError extends StrataError {
  declare readonly code: RegistryErrorCode;
  declare readonly details: RegistryErrorDetails;
  /** status is the HTTP status that caused the error, when there was one. */
  readonly status: number | undefined;
  constructor(code: RegistryErrorCode, message: string, details: RegistryErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.status = details.status;
  }
}

/** What a request was doing, so an error message can name it. */
export interface ErrorContext {
  registry: string;
  repository?: string;
  /** what names the object, e.g. `manifest latest`, `blob sha256:…`. */
  what?: string;
  /** action is what the user asked for. */
  action?: 'pull' | 'push' | 'login' | 'tag' | 'check';
  /** Whose credentials were used, if any (a username and where it came from; never the secret). */
  identity?: string;
  /** The token server said the token lacks scope (`error="insufficient_scope"`). */
  insufficientScope?: boolean;
  retryAfterSeconds?: number;
}

interface SpecError {
  code?: string;
  message?: string;
}

/** parseSpecErrors reads the distribution-spec error body `{"errors":[{code,message,detail}]}`. */
export function parseSpecErrors(body: string): SpecError[] {
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object' && Array.isArray((json as { errors?: unknown }).errors)) {
      return ((json as { errors: unknown[] }).errors)
        .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
        .map((e) => ({
          ...(typeof e.code === 'string' ? { code: e.code } : {}),
          ...(typeof e.message === 'string' ? { message: e.message } : {}),
        }));
    }
  } catch {
    /* not JSON: the status decides */
  }
  return [];
}

const SPEC_CODES = new Set<string>([
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN', 'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN', 'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED', 'DENIED', 'UNSUPPORTED', 'TOOMANYREQUESTS',
]);

/** registryErrorFromResponse turns an unexpected HTTP answer into a RegistryError whose message says what to do. */
export function registryErrorFromResponse(status: number, body: string, ctx: ErrorContext): RegistryError {
  const errors = parseSpecErrors(body);
  const first = errors[0];
  let specCode = first?.code?.toUpperCase();
  // Docker Hub and others send codes in other spellings; the documented ones win.
  if (specCode === 'TOO_MANY_REQUESTS') specCode = 'TOOMANYREQUESTS';
  let code: RegistryErrorCode;
  if (specCode && SPEC_CODES.has(specCode)) code = specCode as RegistryErrorCode;
  else if (status === 401) code = 'UNAUTHORIZED';
  else if (status === 403) code = 'DENIED';
  else if (status === 429) code = 'TOOMANYREQUESTS';
  else if (status === 404) code = ctx.what?.startsWith('manifest') ? 'MANIFEST_UNKNOWN' : ctx.what?.startsWith('blob') ? 'BLOB_UNKNOWN' : 'NAME_UNKNOWN';
  else code = 'REGISTRY_ERROR';
  // A token without the scope it asked for, when we did log in, means "no right", not "log in".
  if (code === 'UNAUTHORIZED' && ctx.insufficientScope && ctx.identity) code = 'DENIED';
  const registryMessage = first?.message ? clip(first.message) : '';
  const details: RegistryErrorDetails = {
    registry: ctx.registry,
    status,
    ...(ctx.repository ? { repository: ctx.repository } : {}),
    ...(specCode ? { specCode } : {}),
    ...(ctx.retryAfterSeconds !== undefined ? { retryAfterSeconds: ctx.retryAfterSeconds } : {}),
  };
  return new RegistryError(code, explain(code, status, registryMessage, ctx), details);
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 197)}...` : one;
}

function explain(code: RegistryErrorCode, status: number, registryMessage: string, ctx: ErrorContext): string {
  const where = ctx.repository ? `${ctx.registry}/${ctx.repository}` : ctx.registry;
  const what = ctx.what ? `${ctx.what} of ${where}` : where;
  const said = registryMessage ? ` (registry said: ${registryMessage})` : '';
  const action = ctx.action === 'push' ? 'push to' : ctx.action === 'login' ? 'log in to' : 'pull from';
  switch (code) {
    case 'UNAUTHORIZED':
      if (ctx.action === 'login') return `login to ${ctx.registry}${ctx.identity ? ` as ${ctx.identity}` : ''} failed (HTTP ${status})${said}: the username or password is wrong`;
      return ctx.identity
        ? `${ctx.registry} refused the credentials of ${ctx.identity} (HTTP ${status})${said}: log in again with \`strata login ${ctx.registry}\``
        : `${where} needs you to log in (HTTP ${status})${said}: run \`strata login ${ctx.registry}\`, then try again`;
    case 'DENIED':
      return `access to ${where} was denied (HTTP ${status})${said}: ${ctx.identity ? `${ctx.identity} has` : 'you have'} no right to ${action} this repository; check the name, or ask its owner for access${ctx.identity ? '' : ` (or \`strata login ${ctx.registry}\`)`}`;
    case 'NAME_UNKNOWN':
      return `repository ${where} does not exist (HTTP ${status})${said}: check the name${ctx.registry === 'docker.io' ? ' (official images live under library/, e.g. library/busybox)' : ''}, or push to create it`;
    case 'MANIFEST_UNKNOWN':
      return `${what} was not found (HTTP ${status})${said}: check the tag or digest, and the repository name (the registry lists a repository's tags at /v2/${ctx.repository ?? '<name>'}/tags/list)`;
    case 'BLOB_UNKNOWN':
      return `${what} was not found (HTTP ${status})${said}: the registry lost a blob its manifest names; push the image again`;
    case 'MANIFEST_INVALID':
      return `${ctx.registry} refused ${what} as invalid (HTTP ${status})${said}: the registry may not accept this manifest format (OCI vs Docker media types) or one of its fields; check the image with \`strata inspect\``;
    case 'MANIFEST_BLOB_UNKNOWN':
      return `${ctx.registry} refused ${what}: it names a blob the repository does not have (HTTP ${status})${said}; push the image again`;
    case 'TOOMANYREQUESTS':
      return `${ctx.registry} is rate-limiting requests (HTTP ${status})${said}: wait${ctx.retryAfterSeconds !== undefined ? ` ${ctx.retryAfterSeconds} s` : ' a while'} and try again; logging in (\`strata login ${ctx.registry}\`) often raises the limit`;
    case 'NAME_INVALID':
      return `${where} is not a valid repository name for this registry (HTTP ${status})${said}`;
    case 'DIGEST_INVALID':
      return `${ctx.registry} says the content of ${what} does not match its digest (HTTP ${status})${said}: the upload was damaged; try again`;
    case 'SIZE_INVALID':
      return `${ctx.registry} says the size of ${what} is wrong (HTTP ${status})${said}: try again`;
    case 'BLOB_UPLOAD_INVALID':
    case 'BLOB_UPLOAD_UNKNOWN':
      return `${ctx.registry} lost the upload session of ${what} (HTTP ${status})${said}: try the push again`;
    case 'UNSUPPORTED':
      return `${ctx.registry} does not support this operation on ${what} (HTTP ${status})${said}`;
    default:
      return `${ctx.registry} answered HTTP ${status} for ${what}${said}${status >= 500 ? ': the registry has a problem; try again later' : ''}`;
  }
}
