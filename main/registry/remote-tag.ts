// Remote retagging as `crane tag` does it: fetch the manifest bytes and put them under the new tag in the
// same repository; no blob moves, the digest stays the same.
import type { Digest } from '../oci/digest.ts';
import { parseManifestDocument } from '../oci/manifest.ts';
import { anchoredTagRegexp } from '../oci/reference-regexp.ts';
import { parseDockerRef, trimNamed, withTag } from '../oci/reference.ts';
import { RegistrySession, type RegistryOptions } from './client.ts';
import { RegistryError } from './errors.ts';
import { ProgressBatcher, type ProgressSink } from './progress.ts';
import { REFERENCE_OPTIONS } from './pull.ts';

export interface RemoteTagOptions extends RegistryOptions {
  session?: RegistrySession;
  onProgress?: ProgressSink;
}

export interface RemoteTagResult {
  digest: Digest;
  mediaType: string;
  /** references are the full references now pointing at the manifest. */
  references: string[];
}

/** remoteTag points one or more new tags (bare `v2`, or a full reference in the same repository) at the
 * manifest `source` names, in the registry. */
export async function remoteTag(source: string, tags: string | readonly string[], opts: RemoteTagOptions = {}): Promise<RemoteTagResult> {
  const src = parseDockerRef(source, REFERENCE_OPTIONS);
  const repo = trimNamed(src);
  const list = typeof tags === 'string' ? [tags] : [...tags];
  if (list.length === 0) throw new RegistryError('NAME_INVALID', 'no tag given: name the new tag, e.g. v2');
  const targets = list.map((t) => {
    if (anchoredTagRegexp.test(t)) return withTag(repo, t);
    const r = parseDockerRef(t, REFERENCE_OPTIONS);
    if (r.name !== repo.name || !r.tag || r.digest) {
      throw new RegistryError('UNSUPPORTED', `cannot tag ${src} as ${t}: a remote tag stays in ${repo.name} (to copy to another repository, pull and push)`, { registry: src.domain, repository: src.path });
    }
    return r;
  });
  const client = (opts.session ?? new RegistrySession(opts)).client(src.domain);
  const progress = new ProgressBatcher(opts.onProgress);
  try {
    const got = await client.getManifest(src.path, src.digest ?? src.tag ?? 'latest', { action: 'tag' });
    let mediaType: string;
    try {
      mediaType = parseManifestDocument(got.bytes, got.mediaType).mediaType;
    } catch (e) {
      throw new RegistryError('MANIFEST_INVALID', `${src} has a manifest Strata cannot read: ${(e as Error).message}`, { registry: src.domain, repository: src.path }, { cause: e });
    }
    progress.emit({ kind: 'manifest', operation: 'tag', digest: got.digest, mediaType, state: 'done' });
    const references: string[] = [];
    for (const t of targets) {
      await client.putManifest(src.path, t.tag!, got.bytes, mediaType, { action: 'tag' });
      references.push(t.toString());
      progress.emit({ kind: 'tag', operation: 'tag', reference: t.toString(), digest: got.digest, state: 'done' });
    }
    return { digest: got.digest, mediaType, references };
  } finally {
    progress.flush();
  }
}
