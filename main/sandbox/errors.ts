import { StrataError } from '../util/errors.ts';

/** Codes a sandboxed run can fail with (a step that runs and exits non-zero is not an error). */
export type SandboxErrorCode =
  | 'SANDBOX_UNAVAILABLE' // this host cannot create the namespaces (details.reason says why)
  | 'SANDBOX_INVALID_OPTIONS' // argv, env, cwd or a mount is malformed (details.field)
  | 'SANDBOX_ROOTFS_INVALID' // the root filesystem directory is missing or is not a directory
  | 'SANDBOX_USER_NOT_FOUND' // USER names a user or group the image's /etc/passwd or /etc/group lacks
  | 'SANDBOX_USER_NOT_MAPPED' // rootless with subordinate ids: the uid/gid lies outside the mapped range
  | 'SANDBOX_MOUNT_FAILED' // a mount source is missing or its target cannot be made inside the root
  | 'SANDBOX_CWD_INVALID' // the working directory exists but is not a directory
  | 'SANDBOX_EXEC_FAILED' // the command could not be started (not found, not executable)
  | 'SANDBOX_SETUP_FAILED' // bubblewrap failed while building the sandbox (details.stderr)
  | 'SANDBOX_CANCELLED'; // the AbortSignal fired; the process tree is gone

/** SandboxError is thrown by runInSandbox; details name the offending field, path or tool output. */
export class SandboxError extends StrataError {
  declare readonly code: SandboxErrorCode;
  constructor(code: SandboxErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
