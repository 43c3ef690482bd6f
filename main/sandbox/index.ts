// The sandbox RUN steps and `strata run` execute in (bubblewrap + Linux namespaces).
export { runInSandbox, type SandboxResult, type SandboxRunOptions } from './run.ts';
export { sandboxSupport, type SandboxSupport } from './support.ts';
export { SandboxError, type SandboxErrorCode } from './errors.ts';
export type { SandboxMount } from './root-prep.ts';
