import { registryOf, retarget } from '../tags/retarget.ts';

/** PublishOption is one name the Publish tab offers to push to. */
export interface PublishOption {
  ref: string;
  /** The image does not have this name yet: pushing tags it first. */
  isNew: boolean;
  registry: string;
  loggedIn: boolean;
}

/** publishOptions lists where an image can be pushed: its own names, then a name in each logged-in registry
 * it has none in yet (its first name rewritten for that registry). */
export function publishOptions(references: readonly string[], loggedIn: readonly string[]): PublishOption[] {
  const logged = new Set(loggedIn);
  const out: PublishOption[] = references.map((ref) => ({ ref, isNew: false, registry: registryOf(ref), loggedIn: logged.has(registryOf(ref)) }));
  const primary = references[0];
  if (primary) {
    for (const r of loggedIn) {
      if (out.some((o) => o.registry === r)) continue;
      const ref = retarget(primary, r);
      if (!out.some((o) => o.ref === ref)) out.push({ ref, isNew: true, registry: r, loggedIn: true });
    }
  }
  return out;
}

/** defaultPublishOption prefers a name in a registry one is logged in to (an existing name before a new one). */
export function defaultPublishOption(options: readonly PublishOption[]): PublishOption | null {
  return options.find((o) => o.loggedIn && !o.isNew) ?? options.find((o) => o.loggedIn) ?? options[0] ?? null;
}

/** parseExtraTags reads the extra-tags field: tags separated by commas or spaces, each once. */
export function parseExtraTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))];
}
