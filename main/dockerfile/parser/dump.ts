// BuildKit's Node.Dump(): the s-expression the upstream goldens (testfiles/*/result) are written in.
// Written without recursion and without quadratic string work: ONBUILD nesting has no depth limit.
import { goQuote, goQuoteSlice } from './go-quote.ts';
import { isSpace, lowerGo } from './text.ts';

/** The shape dumpAst reads; RootNode, InstructionNode and ArgNode all fit it. */
export interface DumpableNode {
  value?: string;
  flags?: readonly string[];
  children?: readonly DumpableNode[];
  next?: DumpableNode | null;
}

/** A dumped node before joining: literal pieces and already-trimmed nested dumps. */
interface Built {
  parts: (string | Built)[];
}

interface Frame {
  node: DumpableNode;
  parts: (string | Built)[];
  childIdx: number;
  stage: 0 | 1;
  nextPtr: DumpableNode | null;
  wrap: 'child' | 'next';
}

function isEmpty(p: string | Built): boolean {
  return typeof p === 'string' ? p === '' : p.parts.length === 0;
}

/** trimParts is strings.TrimSpace over the pieces. Nested dumps are trimmed already, so only the
 * literal pieces at either end can carry the whitespace. */
function trimParts(parts: (string | Built)[]): Built {
  let i = 0;
  while (i < parts.length) {
    const p = parts[i] as string | Built;
    if (typeof p !== 'string') {
      if (!isEmpty(p)) break;
      i++;
      continue;
    }
    let k = 0;
    while (k < p.length && isSpace(p.charCodeAt(k))) k++;
    if (k < p.length) {
      parts[i] = p.slice(k);
      break;
    }
    i++;
  }
  let j = parts.length;
  while (j > i) {
    const p = parts[j - 1] as string | Built;
    if (typeof p !== 'string') {
      if (!isEmpty(p)) break;
      j--;
      continue;
    }
    let k = p.length;
    while (k > 0 && isSpace(p.charCodeAt(k - 1))) k--;
    if (k > 0) {
      parts[j - 1] = p.slice(0, k);
      break;
    }
    j--;
  }
  return { parts: parts.slice(i, j) };
}

function flatten(root: Built): string {
  const out: string[] = [];
  const stack: { b: Built; i: number }[] = [{ b: root, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { b: Built; i: number };
    if (top.i >= top.b.parts.length) {
      stack.pop();
      continue;
    }
    const p = top.b.parts[top.i++] as string | Built;
    if (typeof p === 'string') out.push(p);
    else stack.push({ b: p, i: 0 });
  }
  return out.join('');
}

function frame(node: DumpableNode, wrap: 'child' | 'next'): Frame {
  const parts: (string | Built)[] = [lowerGo(node.value ?? '')];
  if (node.flags && node.flags.length > 0) parts.push(' ' + goQuoteSlice(node.flags));
  return { node, parts, childIdx: 0, stage: 0, nextPtr: null, wrap };
}

/** dumpAst renders a node as BuildKit's Node.Dump() does: `(from "alpine")` lines for a root,
 * `run "echo hi"` for an instruction. Arguments use Go strconv.Quote. */
export function dumpAst(node: DumpableNode): string {
  const stack: Frame[] = [frame(node, 'child')];
  for (;;) {
    const f = stack[stack.length - 1] as Frame;
    if (f.stage === 0) {
      const kids = f.node.children ?? [];
      const kid = kids[f.childIdx];
      if (kid) {
        f.childIdx++;
        stack.push(frame(kid, 'child'));
        continue;
      }
      f.stage = 1;
      f.nextPtr = f.node.next ?? null;
    }
    let n = f.nextPtr;
    while (n && !(n.children && n.children.length > 0)) {
      f.parts.push(' ' + goQuote(n.value ?? ''));
      n = n.next ?? null;
    }
    if (n) {
      f.nextPtr = n.next ?? null;
      stack.push(frame(n, 'next'));
      continue;
    }
    stack.pop();
    const built = trimParts(f.parts);
    const parent = stack[stack.length - 1];
    if (!parent) return flatten(built);
    if (f.wrap === 'child') parent.parts.push('(', built, ')\n');
    else parent.parts.push(' ', built);
  }
}
