// The image-reference grammar of github.com/distribution/reference (regexp.go), built from the same
// pieces so the sources equal upstream's compiled patterns ([[:xdigit:]] spelled [0-9A-Fa-f]).
// None of these carry the `g` flag, so they hold no lastIndex state and are safe to share.

/** One run of lowercase letters and digits inside a path component. */
const alphanumeric = '[a-z0-9]+';
/** Separators allowed between alphanumerics: one '.', one '_', two '_', or any run of '-'. */
const separator = '(?:[._]|__|[-]+)';
/** A path component: alphanumerics joined by separators, so it never starts or ends with one. */
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
/** The remote name (path): path components joined by single slashes. */
const remoteName = `${pathComponent}(?:/${pathComponent})*`;

/** A DNS label: letters, digits and inner hyphens (uppercase allowed; hosts are case-insensitive). */
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
/** A bracketed IPv6 literal; zones (%eth0) are not allowed, malformed addresses are (as upstream). */
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6Address})`;
const optionalPort = '(?::[0-9]+)?';
const domainAndPort = `${host}${optionalPort}`;

const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const identifier = '([a-f0-9]{64})';

const namePattern = `(?:${domainAndPort}/)?${remoteName}`;

/** domainRegexp matches a registry host with optional port (unanchored, for composition). */
export const domainRegexp = new RegExp(domainAndPort);
/** anchoredDomainRegexp matches exactly a registry `host[:port]`. */
export const anchoredDomainRegexp = new RegExp(`^${domainAndPort}$`);
/** nameRegexp matches a repository name `[domain/]path` (unanchored). */
export const nameRegexp = new RegExp(namePattern);
/** anchoredNameRegexp matches exactly a repository name; group 1 = domain (may be absent), group 2 = path. */
export const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
/** tagRegexp matches a tag (unanchored). */
export const tagRegexp = new RegExp(tag);
/** anchoredTagRegexp matches exactly a tag: a word character then up to 127 of [\w.-]. */
export const anchoredTagRegexp = new RegExp(`^${tag}$`);
/** digestRegexp matches a digest's grammar `algorithm:hex` (unanchored; no length check per algorithm). */
export const digestRegexp = new RegExp(digest);
/** anchoredDigestRegexp matches exactly a digest's grammar. */
export const anchoredDigestRegexp = new RegExp(`^${digest}$`);
/** referenceRegexp matches a whole reference; groups: 1 = name, 2 = tag, 3 = digest. */
export const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tag}))?(?:@(${digest}))?$`);
/** identifierRegexp matches a 64-character lowercase hex image ID (unanchored). */
export const identifierRegexp = new RegExp(identifier);
/** anchoredIdentifierRegexp matches exactly a 64-character lowercase hex image ID. */
export const anchoredIdentifierRegexp = new RegExp(`^${identifier}$`);
