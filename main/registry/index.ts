// Strata's OCI distribution client: the public API the engine, the CLI and the app use.
export { pull, choosePlatform, type PullOptions, type PullResult, type PulledBlob } from './pull.ts';
export { push, planPush, DEFAULT_CHUNK_SIZE, type PushOptions, type PushResult, type PushedBlob, type PushPlan, type PlannedBlob } from './push.ts';
export { remoteTag, type RemoteTagOptions, type RemoteTagResult } from './remote-tag.ts';
export { login, logout, listCredentials, type LoginOptions, type LoginResult } from './login.ts';
export { RegistryClient, RegistrySession, type RegistryOptions, type RetryPolicy, type RetryInfo } from './client.ts';
export { RegistryError, type RegistryErrorCode, type RegistryErrorDetails } from './errors.ts';
export {
  DockerConfigCredentials,
  staticCredentials,
  dockerConfigPath,
  type Credential,
  type CredentialEntry,
  type CredentialSource,
  type CredentialStore,
  type DockerConfigOptions,
} from './credentials.ts';
export { normalizeRegistry, registryEndpoint } from './hosts.ts';
export { blobSources, recordBlobSources, type BlobSource } from './blob-sources.ts';
export type { ProgressEvent, BlobProgress, ManifestProgress, TagProgress, BlobState, ProgressSink } from './progress.ts';
