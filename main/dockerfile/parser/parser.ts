// parseDockerfile: Dockerfile text → AST, following BuildKit's parser.Parse line by line
// (frontend/dockerfile/parser/parser.go): directives, continuation lines, comments, heredocs.
import { Directives, type ParsedDirectives } from './directives.ts';
import { DockerfileParseError, LineError, type ParseErrorLocation } from './errors.ts';
import { HEREDOC_KEYWORDS, heredocsFromLine } from './heredoc.ts';
import { LexFailure } from './heredoc-lexer.ts';
import { newInstructionNode } from './line-parsers.ts';
import type { InstructionNode, RootNode } from './node.ts';
import { trimLeftSpace, trimNewline, trimSpace, utf8Length } from './text.ts';

/** BuildKit reads lines with bufio.Scanner: a line over 64 KiB - 1 bytes stops the scan. */
export const MAX_LINE_BYTES = 65535;

/** A parser warning (BuildKit parser.Warning); today only the NoEmptyContinuation rule. */
export interface Warning {
  rule: 'NoEmptyContinuation';
  short: string;
  detail: string[];
  url: string;
  /** 1-based line the warning is reported on (the instruction's last line, as upstream) */
  line: number;
}

export interface ParseOptions {
  /** the file name, carried into error details */
  file?: string;
}

export interface ParseResult {
  ast: RootNode;
  directives: ParsedDirectives;
  warnings: Warning[];
  /** the escape character in effect: `\` or a backtick */
  escapeToken: string;
}

/** Reads lines keeping their '\n', like BuildKit's scanLines; stops at an over-long line. */
class LineScanner {
  private pos = 0;
  tooLong = false;
  constructor(private readonly text: string) {}
  scan(): string | null {
    if (this.tooLong || this.pos >= this.text.length) return null;
    const nl = this.text.indexOf('\n', this.pos);
    const contentEnd = nl < 0 ? this.text.length : nl;
    const len = contentEnd - this.pos;
    // Cheap length test first: a UTF-16 unit is at most 3 UTF-8 bytes.
    if (len > MAX_LINE_BYTES / 3 && (len > MAX_LINE_BYTES || utf8Length(this.text.slice(this.pos, contentEnd)) > MAX_LINE_BYTES)) {
      this.tooLong = true;
      return null;
    }
    const end = nl < 0 ? this.text.length : nl + 1;
    const line = this.text.slice(this.pos, end);
    this.pos = end;
    return line;
  }
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}

const EMPTY_CONTINUATION_URL = 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/';

/** canContainHeredoc: RUN, COPY and ADD in shell form, also as the child of ONBUILD. */
function canContainHeredoc(node: InstructionNode): boolean {
  const target = node.keyword === 'ONBUILD' ? (node.next?.children[0] ?? node) : node;
  return HEREDOC_KEYWORDS.has(target.keyword) && !target.json;
}

/** parseDockerfile parses Dockerfile text the way BuildKit's parser.Parse does. Throws only
 * DockerfileParseError (message `Dockerfile:LINE: ...`). */
export function parseDockerfile(text: string, opts: ParseOptions = {}): ParseResult {
  let where: ParseErrorLocation = { line: 1 };
  const fail = (reason: string, line: number, endLine?: number): DockerfileParseError => {
    const loc: ParseErrorLocation = { line: Math.max(line, 1) };
    if (endLine !== undefined) loc.endLine = endLine;
    if (opts.file !== undefined) loc.file = opts.file;
    return new DockerfileParseError(reason, loc);
  };
  try {
    if (typeof text !== 'string') throw fail('input is not text', 1);
    return parseText(text, fail, (loc) => (where = loc));
  } catch (err) {
    if (err instanceof DockerfileParseError) throw err;
    // A safety net: any other failure is a parser bug, still reported as a parse error.
    const msg = err instanceof Error ? err.message : String(err);
    throw fail(`internal parser error: ${msg}`, where.line, where.endLine);
  }
}

type Fail = (reason: string, line: number, endLine?: number) => DockerfileParseError;

function parseText(text: string, fail: Fail, track: (loc: ParseErrorLocation) => void): ParseResult {
  const d = new Directives();
  const sc = new LineScanner(text);
  const root: RootNode = { children: [], startLine: -1, endLine: -1 };
  const warnings: Warning[] = [];
  let comments: string[] = [];
  let currentLine = 0;

  /** processLine: strip the newline (and, first lines only, leading blanks), look for a directive,
   * blank out comment lines. */
  const processLine = (raw: string, stripLeft: boolean): { line: string; directive: boolean } => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    let directive: boolean;
    try {
      directive = d.possibleDirective(token, currentLine + 1);
    } catch (err) {
      if (err instanceof LineError) throw fail(err.message, currentLine + 1);
      throw err;
    }
    return { line: isComment(token) ? '' : token, directive };
  };

  for (let raw = sc.scan(); raw !== null; raw = sc.scan()) {
    track({ line: currentLine + 1 });
    if (currentLine === 0 && raw.startsWith('\uFEFF')) raw = raw.slice(1);
    if (isComment(raw)) {
      // Upstream drops the first byte, not the '#': indented comments keep their '#'.
      const c = trimSpace(raw.slice(1));
      if (c === '') comments = [];
      else comments.push(c);
    }
    const first = processLine(raw, true);
    if (first.directive) comments.pop();
    currentLine++;
    const startLine = currentLine;
    let { line: part, eol } = d.trimContinuation(first.line);
    if (eol && part === '') continue;

    const parts = [part];
    let hasEmptyContinuation = false;
    while (!eol) {
      const next = sc.scan();
      if (next === null) break;
      const cont = processLine(next, false);
      currentLine++;
      if (isComment(next)) continue; // comment lines inside a continuation are dropped
      if (trimLeftSpace(cont.line) === '') {
        hasEmptyContinuation = true;
        continue;
      }
      ({ line: part, eol } = d.trimContinuation(cont.line));
      parts.push(part);
    }
    const line = parts.join('');
    track({ line: startLine, endLine: currentLine });

    if (hasEmptyContinuation) {
      warnings.push({
        rule: 'NoEmptyContinuation',
        short: 'Empty continuation line found in: ' + line,
        detail: ['Empty continuation lines will become errors in a future release'],
        url: EMPTY_CONTINUATION_URL,
        line: currentLine,
      });
    }

    let node: InstructionNode;
    try {
      node = newInstructionNode(line, d.escapeToken, comments);
    } catch (err) {
      if (err instanceof LineError) throw fail(err.message, startLine, currentLine);
      throw err;
    }

    if (canContainHeredoc(node) && line.includes('<<')) {
      let docs;
      try {
        docs = heredocsFromLine(line);
      } catch (err) {
        if (err instanceof LexFailure) throw fail(err.message, startLine, currentLine);
        throw err;
      }
      for (const doc of docs) {
        let content = '';
        let terminated = false;
        for (let body = sc.scan(); body !== null; body = sc.scan()) {
          currentLine++;
          let candidate = trimNewline(body);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === doc.name) {
            terminated = true;
            break;
          }
          content += body;
        }
        if (!terminated) throw fail('unterminated heredoc', startLine, currentLine);
        node.heredocs.push({ ...doc, content });
      }
    }

    setLines(node, startLine, currentLine);
    if (root.startLine < 0) root.startLine = startLine;
    root.endLine = currentLine;
    root.children.push(node);
    comments = [];
  }

  if (root.startLine < 0) throw fail('file with no instructions', currentLine);
  if (sc.tooLong) throw fail(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`, currentLine + 1);
  return { ast: root, directives: d.parsed, warnings, escapeToken: d.escapeToken };
}

/** setLines gives an instruction (and the instructions nested in its ONBUILD) its source range. */
function setLines(node: InstructionNode, start: number, end: number): void {
  for (let n: InstructionNode | undefined = node; n; n = n.next?.children[0]) {
    n.startLine = start;
    n.endLine = end;
  }
}
