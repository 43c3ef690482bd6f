import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** writeTree writes a build context: path → content (a string, or {content, mode}). */
export function writeTree(root: string, files: Record<string, string | { content: string; mode: number }>): string {
  for (const [rel, v] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof v === 'string') writeFileSync(abs, v);
    else writeFileSync(abs, v.content, { mode: v.mode });
  }
  return root;
}
