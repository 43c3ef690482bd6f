// The AST: BuildKit's parser.Node split into three shapes (root, instruction, argument).
import type { Heredoc } from './heredoc.ts';

/** ArgNode is one link of an instruction's argument chain (BuildKit Node.Next). */
export interface ArgNode {
  value: string;
  next: ArgNode | null;
  /** the nested instruction of ONBUILD (`ONBUILD RUN x`); empty otherwise */
  children: InstructionNode[];
}

/** InstructionNode is one instruction with its source range and everything the instruction layer needs. */
export interface InstructionNode {
  /** the keyword uppercased, e.g. 'RUN' (unknown keywords are kept, uppercased) */
  keyword: string;
  /** the keyword as written (BuildKit Node.Value) */
  value: string;
  /** leading `--flag[=value]` words, quotes removed (BuildKit Node.Flags) */
  flags: string[];
  /** the arguments, as BuildKit's per-instruction line parser split them */
  next: ArgNode | null;
  /** true when the arguments were given in exec (JSON array) form */
  json: boolean;
  heredocs: Heredoc[];
  /** the logical line: continuation lines joined, escapes and comment lines removed (Node.Original) */
  original: string;
  /** 1-based inclusive source range, including continuation lines and heredoc bodies */
  startLine: number;
  endLine: number;
  /** comment lines right above the instruction (Node.PrevComment) */
  comments: string[];
}

/** RootNode holds one child per instruction; its range spans the first to the last instruction. */
export interface RootNode {
  children: InstructionNode[];
  startLine: number;
  endLine: number;
}

/** Node is any AST node. */
export type Node = RootNode | InstructionNode | ArgNode;

/** argValues lists the values of an instruction's argument chain, e.g. ['echo', 'hi']. */
export function argValues(node: { next: ArgNode | null }): string[] {
  const out: string[] = [];
  for (let n = node.next; n; n = n.next) out.push(n.value);
  return out;
}

/** onbuildChild is the instruction nested in an ONBUILD, or null. */
export function onbuildChild(node: InstructionNode): InstructionNode | null {
  return node.next?.children[0] ?? null;
}
