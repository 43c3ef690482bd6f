// Image references (`[domain/]path[:tag][@digest]`) parsed exactly as github.com/distribution/reference
// parses them (reference.go, normalize.go, helpers.go), so names mean here what they mean to docker,
// containerd and buildkit. Digests follow github.com/opencontainers/go-digest v1.0.0.
import { StrataError, serializeError, type SerializedError } from '../util/errors.ts';
import {
  anchoredDigestRegexp,
  anchoredDomainRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  anchoredTagRegexp,
  referenceRegexp,
} from './reference-regexp.ts';

/** DOCKER_HUB_DOMAIN is the domain familiar names normalize to (`nginx` → `docker.io/library/nginx`). */
export const DOCKER_HUB_DOMAIN = 'docker.io';
/** LEGACY_DOCKER_HUB_DOMAIN is Docker Hub's old index name; normalization rewrites it to docker.io. */
export const LEGACY_DOCKER_HUB_DOMAIN = 'index.docker.io';
/** OFFICIAL_REPO_PREFIX is the Docker Hub namespace of official images. */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** DEFAULT_TAG is the tag docker assumes when a reference has neither tag nor digest. */
export const DEFAULT_TAG = 'latest';
/** REPOSITORY_NAME_MAX_LENGTH caps the path (the name without its domain), as upstream does. */
export const REPOSITORY_NAME_MAX_LENGTH = 255;

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Why a reference was rejected. Names starting `Err` / `digest.Err` are the upstream sentinel errors
 * (Go compares them with ==); `UppercaseRepository` and `IdentifierAsName` are the two errors
 * ParseNormalizedNamed builds with fmt.Errorf, which match no sentinel upstream.
 */
export type ReferenceErrorReason =
  | 'ErrReferenceInvalidFormat'
  | 'ErrTagInvalidFormat'
  | 'ErrDigestInvalidFormat'
  | 'ErrNameContainsUppercase'
  | 'ErrNameEmpty'
  | 'ErrNameTooLong'
  | 'ErrNameNotCanonical'
  | 'digest.ErrDigestInvalidFormat'
  | 'digest.ErrDigestInvalidLength'
  | 'digest.ErrDigestUnsupported'
  | 'UppercaseRepository'
  | 'IdentifierAsName';

export type InvalidReferenceDetails = { input: string; reason: ReferenceErrorReason };

/** InvalidReferenceError says, in plain words, why a string is not a usable image reference. */
export class InvalidReferenceError extends StrataError {
  declare readonly details: InvalidReferenceDetails;
  constructor(input: string, reason: ReferenceErrorReason, why: string) {
    super('INVALID_REFERENCE', `invalid reference ${quoteForMessage(input)}: ${why}`, { input, reason });
  }
  /** reason is the upstream sentinel name (or one of the two non-sentinel names). */
  get reason(): ReferenceErrorReason {
    return this.details.reason;
  }
}

/** InvalidPatternError is thrown by familiarMatch for a malformed path.Match pattern. */
export class InvalidPatternError extends StrataError {
  constructor(pattern: string, why: string) {
    super('INVALID_PATTERN', `invalid pattern ${quoteForMessage(pattern)}: ${why}`, { pattern });
  }
}

/** Long inputs are cut in messages (the full input stays in details). */
function quoteForMessage(s: string): string {
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 97)}...` : s);
}

// ---------------------------------------------------------------------------------------------
// Digests (go-digest semantics: which algorithms are "registered" decides unsupported vs valid)

const HEX_LENGTH = { sha256: 64, sha384: 96, sha512: 128 } as const;
export type ReferenceDigestAlgorithm = keyof typeof HEX_LENGTH;

export interface ReferenceOptions {
  /** Digest algorithms accepted by parsing. Default ['sha256'], as upstream builds that register only
   * crypto/sha256 (the vectors expect sha512 to be "unsupported"); add 'sha512' to accept OCI sha512. */
  digestAlgorithms?: readonly ReferenceDigestAlgorithm[];
}

const DEFAULT_ALGORITHMS: readonly ReferenceDigestAlgorithm[] = ['sha256'];
/** go-digest's DigestRegexpAnchored: tells a malformed digest from one with an unknown algorithm. */
const GO_DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

type Problem = { reason: ReferenceErrorReason; why: string };

/** digestProblem mirrors go-digest's Digest.Validate; undefined means the digest is valid. */
function digestProblem(d: string, options: ReferenceOptions | undefined): Problem | undefined {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) {
    return { reason: 'digest.ErrDigestInvalidFormat', why: `invalid digest "${d}": expected algorithm:hex` };
  }
  const algorithm = d.slice(0, i);
  const encoded = d.slice(i + 1);
  const allowed = options?.digestAlgorithms ?? DEFAULT_ALGORITHMS;
  if (!(allowed as readonly string[]).includes(algorithm) || !Object.hasOwn(HEX_LENGTH, algorithm)) {
    if (!GO_DIGEST_GRAMMAR.test(d)) {
      return { reason: 'digest.ErrDigestInvalidFormat', why: `invalid digest "${d}"` };
    }
    return {
      reason: 'digest.ErrDigestUnsupported',
      why: `unsupported digest algorithm "${algorithm}" (supported: ${allowed.join(', ')})`,
    };
  }
  const want = HEX_LENGTH[algorithm as ReferenceDigestAlgorithm];
  if (encoded.length !== want) {
    return {
      reason: 'digest.ErrDigestInvalidLength',
      why: `digest has ${encoded.length} hex characters; ${algorithm} needs ${want}`,
    };
  }
  if (!/^[a-f0-9]+$/.test(encoded)) {
    return { reason: 'digest.ErrDigestInvalidFormat', why: `${algorithm} digest must be lowercase hex` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reference values

/** A named image reference; immutable. `domain` is '' only for un-normalized names (parseReference). */
export interface Reference {
  readonly kind: 'named';
  readonly domain: string;
  readonly path: string;
  /** name is `domain/path` (just `path` when domain is ''). */
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** familiarName drops `docker.io/` and, for official images, `library/`. */
  readonly familiarName: string;
  /** toString gives the full reference `name[:tag][@digest]`. */
  toString(): string;
  /** familiarString gives the short form docker prints (`nginx:1.25`). */
  familiarString(): string;
  toJSON(): string;
}

/** A digest-only reference (parseAnyReference of `sha256:…` or a bare 64-hex image ID). */
export interface DigestReference {
  readonly kind: 'digest';
  readonly digest: string;
  toString(): string;
  familiarString(): string;
  toJSON(): string;
}

export type AnyReference = Reference | DigestReference;

class NamedReference implements Reference {
  readonly kind = 'named' as const;
  readonly domain: string;
  readonly path: string;
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  readonly familiarName: string;

  constructor(domain: string, path: string, tag: string | undefined, digest: string | undefined) {
    this.domain = domain;
    this.path = path;
    this.name = domain === '' ? path : `${domain}/${path}`;
    this.tag = tag;
    this.digest = digest;
    this.familiarName = familiarizeName(domain, path);
    Object.freeze(this);
  }
  toString(): string {
    return withSuffixes(this.name, this.tag, this.digest);
  }
  familiarString(): string {
    return withSuffixes(this.familiarName, this.tag, this.digest);
  }
  toJSON(): string {
    return this.toString();
  }
}

class DigestOnlyReference implements DigestReference {
  readonly kind = 'digest' as const;
  readonly digest: string;
  constructor(digest: string) {
    this.digest = digest;
    Object.freeze(this);
  }
  toString(): string {
    return this.digest;
  }
  familiarString(): string {
    return this.digest;
  }
  toJSON(): string {
    return this.digest;
  }
}

function withSuffixes(name: string, tag: string | undefined, digest: string | undefined): string {
  return name + (tag === undefined ? '' : `:${tag}`) + (digest === undefined ? '' : `@${digest}`);
}

/** Upstream familiarizeName: only `library/x` loses its prefix, never `library/x/y`. */
function familiarizeName(domain: string, path: string): string {
  if (domain !== DOCKER_HUB_DOMAIN) return domain === '' ? path : `${domain}/${path}`;
  if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** parseReference parses a reference strictly, without docker.io/library defaults (upstream Parse). */
export function parseReference(s: string, options?: ReferenceOptions): Reference {
  return parseAs(s, s, options);
}

/** parseAs runs Parse on `s`, reporting errors against what the caller was given (`input`). */
function parseAs(s: string, input: string, options: ReferenceOptions | undefined): Reference {
  if (s === '') throw new InvalidReferenceError(input, 'ErrNameEmpty', 'the reference is empty');
  const m = referenceRegexp.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && referenceRegexp.test(lower)) {
      throw new InvalidReferenceError(input, 'ErrNameContainsUppercase', 'repository name must be lowercase');
    }
    throw new InvalidReferenceError(input, 'ErrReferenceInvalidFormat', explainInvalidFormat(input));
  }
  const [, name = '', tag, digest] = m;
  const nm = anchoredNameRegexp.exec(name);
  const domain = nm ? (nm[1] ?? '') : '';
  const path = nm ? (nm[2] ?? '') : name;
  if (path.length > REPOSITORY_NAME_MAX_LENGTH) throw tooLong(input, path);
  if (digest !== undefined) {
    const problem = digestProblem(digest, options);
    if (problem) throw new InvalidReferenceError(input, problem.reason, problem.why);
  }
  return new NamedReference(domain, path, tag, digest);
}

function tooLong(input: string, path: string): InvalidReferenceError {
  return new InvalidReferenceError(
    input,
    'ErrNameTooLong',
    `reference too long: the repository name is ${path.length} characters, ` +
      `at most ${REPOSITORY_NAME_MAX_LENGTH} are allowed`,
  );
}

/** splitDockerDomain: a first component is a domain if it is localhost, has '.' or ':', or has uppercase. */
function splitDockerDomain(s: string): [domain: string, remainder: string] {
  const slash = s.indexOf('/');
  if (slash === -1) return [DOCKER_HUB_DOMAIN, OFFICIAL_REPO_PREFIX + s];
  const first = s.slice(0, slash);
  const rest = s.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === 'localhost') [domain, remainder] = [first, rest];
  else if (first === LEGACY_DOCKER_HUB_DOMAIN) [domain, remainder] = [DOCKER_HUB_DOMAIN, rest];
  else if (first.includes('.') || first.includes(':')) [domain, remainder] = [first, rest];
  else if (first.toLowerCase() !== first) [domain, remainder] = [first, rest];
  else [domain, remainder] = [DOCKER_HUB_DOMAIN, s];
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

/** parseNormalizedNamed parses a docker-style name, `nginx` → `docker.io/library/nginx` (ParseNormalizedNamed). */
export function parseNormalizedNamed(s: string, options?: ReferenceOptions): Reference {
  if (anchoredIdentifierRegexp.test(s)) {
    throw new InvalidReferenceError(
      s,
      'IdentifierAsName',
      'a 64-character hex string is an image ID, not a repository name',
    );
  }
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) {
    throw new InvalidReferenceError(s, 'UppercaseRepository', `repository name "${remote}" must be lowercase`);
  }
  return parseAs(`${domain}/${remainder}`, s, options);
}

/** parseNamed parses a name that must already be canonical (fully qualified), else ErrNameNotCanonical. */
export function parseNamed(s: string, options?: ReferenceOptions): Reference {
  const ref = parseNormalizedNamed(s, options);
  if (ref.toString() !== s) {
    const why = `repository name must be canonical (did you mean "${ref}"?)`;
    throw new InvalidReferenceError(s, 'ErrNameNotCanonical', why);
  }
  return ref;
}

/** parseDockerRef normalizes like docker pull: adds `:latest` when untagged, drops the tag when a digest is present. */
export function parseDockerRef(s: string, options?: ReferenceOptions): Reference {
  const ref = parseNormalizedNamed(s, options);
  if (ref.tag !== undefined && ref.digest !== undefined) return withDigest(withName(ref.name), ref.digest);
  return tagNameOnly(ref);
}

/** parseAnyReference accepts an image ID (64 hex), a digest, or a familiar name (upstream ParseAnyReference). */
export function parseAnyReference(s: string, options?: ReferenceOptions): AnyReference {
  if (anchoredIdentifierRegexp.test(s)) return new DigestOnlyReference(`sha256:${s}`);
  if (digestProblem(s, options) === undefined) return new DigestOnlyReference(s);
  return parseNormalizedNamed(s, options);
}

// ---------------------------------------------------------------------------------------------
// Building and reshaping

/** withName makes a name-only reference from `[domain/]path`; no normalization (upstream WithName). */
export function withName(name: string): Reference {
  const m = anchoredNameRegexp.exec(name);
  if (!m) throw new InvalidReferenceError(name, 'ErrReferenceInvalidFormat', explainInvalidName(name));
  const path = m[2] ?? '';
  if (path.length > REPOSITORY_NAME_MAX_LENGTH) throw tooLong(name, path);
  return new NamedReference(m[1] ?? '', path, undefined, undefined);
}

/** withTag returns ref with its tag set to `tag` (a digest is kept). */
export function withTag(ref: Reference, tag: string): Reference {
  if (!anchoredTagRegexp.test(tag)) {
    throw new InvalidReferenceError(`${ref.name}:${tag}`, 'ErrTagInvalidFormat', explainTag(tag));
  }
  return new NamedReference(ref.domain, ref.path, tag, ref.digest);
}

/** withDigest returns ref with its digest set (a tag is kept). Checks the grammar only, not the length, as upstream. */
export function withDigest(ref: Reference, digest: string): Reference {
  if (!anchoredDigestRegexp.test(digest)) {
    throw new InvalidReferenceError(`${ref.name}@${digest}`, 'ErrDigestInvalidFormat', explainDigest(digest));
  }
  return new NamedReference(ref.domain, ref.path, ref.tag, digest);
}

/** trimNamed drops the tag and digest. */
export function trimNamed(ref: Reference): Reference {
  return isNameOnly(ref) ? ref : new NamedReference(ref.domain, ref.path, undefined, undefined);
}

/** isNameOnly says whether ref has neither tag nor digest. */
export function isNameOnly(ref: Reference): boolean {
  return ref.tag === undefined && ref.digest === undefined;
}

/** tagNameOnly adds `:latest` to a reference that has neither tag nor digest. */
export function tagNameOnly(ref: Reference): Reference {
  return isNameOnly(ref) ? withTag(ref, DEFAULT_TAG) : ref;
}

/** familiarName is the short name docker shows (`docker.io/library/nginx` → `nginx`). */
export function familiarName(ref: Reference): string {
  return ref.familiarName;
}

/** familiarString is the short form of the whole reference (`nginx:1.25`); digest-only refs are unchanged. */
export function familiarString(ref: AnyReference): string {
  return ref.familiarString();
}

/** familiarMatch matches a Go path.Match pattern against familiarString(ref), then familiarName(ref). */
export function familiarMatch(pattern: string, ref: AnyReference): boolean {
  if (pathMatch(pattern, ref.familiarString())) return true;
  return ref.kind === 'named' && pathMatch(pattern, ref.familiarName);
}

// ---------------------------------------------------------------------------------------------
// UI convenience

export type DisplayReference =
  | { ok: true; normalized: string; familiar: string }
  | { ok: false; error: SerializedError };

/** normalizeReferenceForDisplay parses like parseNormalizedNamed and never throws (for live input fields). */
export function normalizeReferenceForDisplay(input: string): DisplayReference {
  try {
    if (typeof input !== 'string') {
      throw new InvalidReferenceError(String(input), 'ErrReferenceInvalidFormat', 'a reference must be a string');
    }
    const ref = parseNormalizedNamed(input);
    return { ok: true, normalized: ref.toString(), familiar: ref.familiarString() };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

// ---------------------------------------------------------------------------------------------
// Plain-words explanations for ErrReferenceInvalidFormat (only used once parsing has failed)

const TAG_RULE = 'up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"';

function explainTag(tag: string): string {
  return `invalid tag "${tag}" (${TAG_RULE})`;
}

function explainDigest(digest: string): string {
  return `invalid digest "${digest}" (expected algorithm:hex with at least 32 hex digits)`;
}

function explainInvalidFormat(s: string): string {
  if (/\s/.test(s)) return 'a reference cannot contain whitespace';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(s);
  if (scheme) return `a reference has no URL scheme (drop "${scheme[1]}://")`;
  const at = s.indexOf('@');
  const namePart = at === -1 ? s : s.slice(0, at);
  if (at !== -1) {
    const digest = s.slice(at + 1);
    if (!anchoredDigestRegexp.test(digest)) return explainDigest(digest);
  }
  if (namePart.startsWith('[') && !namePart.includes('/')) {
    return 'an IPv6 registry address must be followed by "/" and a repository path';
  }
  const slash = namePart.lastIndexOf('/');
  const colon = namePart.lastIndexOf(':');
  let name = namePart;
  if (colon > slash) {
    name = namePart.slice(0, colon);
    const tag = namePart.slice(colon + 1);
    if (!anchoredTagRegexp.test(tag)) return explainTag(tag);
  }
  if (name === '') return 'the repository name is missing';
  return explainInvalidName(name);
}

function explainInvalidName(name: string): string {
  if (name === '') return 'the repository name is missing';
  const parts = name.split('/');
  if (parts.some((p) => p === '')) return 'repository name has an empty component (a leading, trailing or doubled "/")';
  const [first = '', ...rest] = parts;
  const pathParts = rest.length > 0 && anchoredDomainRegexp.test(first) ? rest : parts;
  for (const p of pathParts) {
    if (/^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/.test(p)) continue;
    const bad = /[^a-z0-9._-]/.exec(p);
    if (p === first && pathParts === parts && rest.length > 0 && /[.:A-Z[]/.test(p)) {
      return `"${p}" is not a valid registry host[:port]`; // it looks like one, and normalization treats it so
    }
    if (bad) return `invalid character "${bad[0]}" in repository name component "${p}"`;
    return (
      `repository name component "${p}" must start and end with a lowercase letter or digit, ` +
      'with only single "." or "_", "__", or runs of "-" between them'
    );
  }
  return 'invalid reference format';
}

// ---------------------------------------------------------------------------------------------
// Go path.Match, as FamiliarMatch uses it: `*` and `?` stop at '/', `[...]` classes, `\` escapes.

function pathMatch(pattern: string, name: string): boolean {
  try {
    return matchPattern(Array.from(pattern), Array.from(name));
  } catch (err) {
    if (err instanceof BadPattern) throw new InvalidPatternError(pattern, 'syntax error (unclosed "[", bad range or trailing "\\")');
    throw err;
  }
}

class BadPattern extends Error {}

function matchPattern(pattern: string[], name: string[]): boolean {
  let pat = pattern;
  let nm = name;
  outer: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !nm.includes('/'); // trailing * eats the rest of one segment
    const here = matchChunk(chunk, nm);
    if (here !== undefined && (here.length === 0 || pat.length > 0)) {
      nm = here;
      continue;
    }
    if (star) {
      for (let i = 0; i < nm.length && nm[i] !== '/'; i++) {
        const t = matchChunk(chunk, nm.slice(i + 1));
        if (t !== undefined) {
          if (pat.length === 0 && t.length > 0) continue; // last chunk must use up the name
          nm = t;
          continue outer;
        }
      }
    }
    // No match: Go still reports a malformed remainder of the pattern.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return nm.length === 0;
}

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let start = 0;
  while (start < pattern.length && pattern[start] === '*') start++;
  const p = pattern.slice(start);
  let inRange = false;
  let i = 0;
  scan: for (; i < p.length; i++) {
    switch (p[i]) {
      case '\\':
        if (i + 1 < p.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
    }
  }
  return { star: start > 0, chunk: p.slice(0, i), rest: p.slice(i) };
}

/** matchChunk returns the unmatched rest of s, or undefined; it always checks the whole chunk's syntax. */
function matchChunk(chunk: string[], s: string[]): string[] | undefined {
  let failed = false;
  let c = 0;
  let si = 0;
  while (c < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const ch = chunk[c];
    if (ch === '[') {
      const r = failed ? -1 : codePoint(s[si++]);
      c++;
      let negated = false;
      if (chunk[c] === '^') {
        negated = true;
        c++;
      }
      let match = false;
      for (let nrange = 0; ; nrange++) {
        if (chunk[c] === ']' && nrange > 0) {
          c++;
          break;
        }
        let lo: number;
        [lo, c] = getEsc(chunk, c);
        let hi = lo;
        if (chunk[c] === '-') [hi, c] = getEsc(chunk, c + 1);
        if (lo <= r && r <= hi) match = true;
      }
      if (match === negated) failed = true;
    } else if (ch === '?') {
      if (!failed) {
        if (s[si] === '/') failed = true;
        si++;
      }
      c++;
    } else {
      if (ch === '\\') {
        c++;
        if (c >= chunk.length) throw new BadPattern();
      }
      if (!failed) {
        if (chunk[c] !== s[si]) failed = true;
        si++;
      }
      c++;
    }
  }
  return failed ? undefined : s.slice(si);
}

function getEsc(chunk: string[], at: number): [number, number] {
  let c = at;
  if (c >= chunk.length || chunk[c] === '-' || chunk[c] === ']') throw new BadPattern();
  if (chunk[c] === '\\') {
    c++;
    if (c >= chunk.length) throw new BadPattern();
  }
  const r = codePoint(chunk[c]);
  c++;
  if (c >= chunk.length) throw new BadPattern(); // a class must be closed
  return [r, c];
}

function codePoint(ch: string | undefined): number {
  return ch === undefined ? -1 : (ch.codePointAt(0) ?? -1);
}
