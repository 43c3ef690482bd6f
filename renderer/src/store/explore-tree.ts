import type { ExploreEntryType, ExploreTreeNode } from '../../../preload/contract.ts';

/** TreeRow is one visible row of the file tree. */
export interface TreeRow {
  node: ExploreTreeNode;
  depth: number;
  isDir: boolean;
  expanded: boolean;
  /** The directory's children are not loaded yet (opening it asks the engine). */
  needsLoad: boolean;
}

/** isExpanded is a directory's state: what the user chose, else open near the top (or everywhere when the
 * tree is filtered, so every match shows). */
export function isExpanded(path: string, depth: number, filtered: boolean, chosen: Readonly<Record<string, boolean>>): boolean {
  const c = chosen[path];
  if (c !== undefined) return c;
  return filtered || depth < 1;
}

/** flattenTree lists the rows to draw, top down: the root's children and, below each open directory, its
 * children (from the tree, or from a subtree loaded later). The root itself is not a row. */
export function flattenTree(root: ExploreTreeNode, subtrees: Readonly<Record<string, ExploreTreeNode>>, chosen: Readonly<Record<string, boolean>>, filtered: boolean): TreeRow[] {
  const rows: TreeRow[] = [];
  const visit = (n: ExploreTreeNode, depth: number) => {
    const kids = n.children ?? subtrees[n.path]?.children;
    for (const c of kids ?? []) {
      const isDir = c.type === 'dir';
      const cKids = c.children ?? subtrees[c.path]?.children;
      const expanded = isDir && isExpanded(c.path, depth, filtered, chosen);
      rows.push({ node: c, depth, isDir, expanded, needsLoad: isDir && !cKids && (c.more ?? 0) > 0 });
      if (expanded && cKids) visit(cKids === c.children ? c : { ...c, children: cKids }, depth + 1);
    }
  };
  visit(root, 0);
  return rows;
}

const TYPE_CHAR: Record<ExploreEntryType, string> = { file: '-', dir: 'd', symlink: 'l', hardlink: '-', char: 'c', block: 'b', fifo: 'p' };

/** modeString prints a mode as ls does (drwxr-xr-x, with s/t for setuid, setgid and sticky). */
export function modeString(type: ExploreEntryType, mode: number): string {
  const bits = 'rwxrwxrwx';
  let s = TYPE_CHAR[type];
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? (bits[i] as string) : '-';
  const set = (pos: number, on: boolean, lower: string) => {
    if (!on) return;
    const x = s[pos] === 'x';
    s = s.slice(0, pos) + (x ? lower : lower.toUpperCase()) + s.slice(pos + 1);
  };
  set(3, (mode & 0o4000) !== 0, 's');
  set(6, (mode & 0o2000) !== 0, 's');
  set(9, (mode & 0o1000) !== 0, 't');
  return s;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3 };

/** parseSizeInput reads a size as typed ("1.5MB", "200 kB", "4KiB", "10"): bytes, 0 for empty, null if unreadable. */
export function parseSizeInput(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (!t) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(t);
  if (!m) return null;
  const unit = UNITS[m[2] as string];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}

/** ownerString prints uid:gid. */
export const ownerString = (uid: number, gid: number) => `${uid}:${gid}`;
