/** shortDigest is the 12-hex form docker prints, the algorithm dropped ("sha256:0123…" → "0123456789ab"). */
export function shortDigest(digest: string): string {
  const i = digest.indexOf(':');
  return digest.slice(i + 1, i + 13);
}

/** NONE is how docker names an untagged image. */
export const NONE = '<none>';

/** primaryReference is the name an image is listed under: its first familiar reference, or <none>. */
export function primaryReference(familiar: readonly string[]): string {
  return familiar[0] ?? NONE;
}
