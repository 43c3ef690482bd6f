// CodeMirror 6 set-up of the Dockerfile editor: highlighting (the legacy dockerfile mode), a theme drawn
// from the app's CSS variables (so the dark theme follows), and problems marked on their lines.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { dockerFile } from '@codemirror/legacy-modes/mode/dockerfile';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState, RangeSetBuilder, StateEffect, StateField, type Extension, type Text, type TransactionSpec } from '@codemirror/state';
import { Decoration, EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { tags } from '@lezer/highlight';

/** EditorProblem is one thing wrong with a Dockerfile line: from the analysis or from a build. */
export interface EditorProblem {
  line: number;
  endLine: number;
  severity: 'error' | 'warning';
  message: string;
  source: 'Dockerfile' | 'build';
}

const setProblemLines = StateEffect.define<EditorProblem[]>();

/** lineRange clamps a problem's 1-based lines to the document (the text may have shrunk since). */
function lineRange(doc: Text, p: Pick<EditorProblem, 'line' | 'endLine'>): [number, number] {
  const first = Math.min(Math.max(1, p.line), doc.lines);
  return [first, Math.min(Math.max(first, p.endLine), doc.lines)];
}

function problemDecorations(doc: Text, problems: readonly EditorProblem[]): DecorationSet {
  // One decoration per line, the worst severity winning, so attributes never have to merge.
  const worst = new Map<number, EditorProblem>();
  for (const p of problems) {
    const [a, b] = lineRange(doc, p);
    for (let n = a; n <= b; n++) {
      const had = worst.get(n);
      if (!had || (had.severity === 'warning' && p.severity === 'error')) worst.set(n, p);
    }
  }
  const builder = new RangeSetBuilder<Decoration>();
  for (const n of [...worst.keys()].sort((x, y) => x - y)) {
    const p = worst.get(n) as EditorProblem;
    const line = doc.line(n);
    builder.add(
      line.from,
      line.from,
      Decoration.line({ class: `cm-problemLine cm-problemLine--${p.severity}`, attributes: { 'data-problem-line': String(n), 'data-severity': p.severity, 'data-source': p.source } }),
    );
  }
  return builder.finish();
}

/** problemLines keeps a line decoration on every line with a problem (tests find them by data-problem-line). */
const problemLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setProblemLines)) return problemDecorations(tr.state.doc, e.value);
    return tr.docChanged ? deco.map(tr.changes) : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** problemsTransaction marks problems in the editor: underlines, gutter markers and hover text (lint),
 * and a tinted line. */
export function problemsTransactions(state: EditorState, problems: readonly EditorProblem[]): TransactionSpec[] {
  const diagnostics: Diagnostic[] = problems.map((p) => {
    const [a, b] = lineRange(state.doc, p);
    return { from: state.doc.line(a).from, to: state.doc.line(b).to, severity: p.severity, message: p.message, source: p.source };
  });
  return [setDiagnostics(state, diagnostics), { effects: setProblemLines.of([...problems]) }];
}

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syn-keyword)', fontWeight: '600' },
  { tag: tags.comment, color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: tags.string, color: 'var(--syn-string)' },
  { tag: tags.number, color: 'var(--syn-number)' },
  { tag: [tags.variableName, tags.special(tags.variableName)], color: 'var(--syn-variable)' },
  { tag: tags.invalid, color: 'var(--danger)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '12.5px', backgroundColor: 'var(--surface)', color: 'var(--text)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.6' },
  '.cm-content': { caretColor: 'var(--accent)', padding: '6px 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--accent)' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--faint)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 5%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 9%, transparent)', color: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'var(--row-selected)' },
  '.cm-problemLine--error': { backgroundColor: 'color-mix(in srgb, var(--danger) 9%, transparent)' },
  '.cm-problemLine--warning': { backgroundColor: 'color-mix(in srgb, var(--warn) 9%, transparent)' },
  '.cm-lintRange-error': { backgroundImage: 'none', textDecoration: 'underline wavy var(--danger)', textUnderlineOffset: '3px' },
  '.cm-lintRange-warning': { backgroundImage: 'none', textDecoration: 'underline wavy var(--warn)', textUnderlineOffset: '3px' },
  '.cm-tooltip': { backgroundColor: 'var(--surface)', border: '1px solid var(--border-strong)', borderRadius: '6px', boxShadow: '0 4px 14px rgb(16 24 40 / 0.12)' },
  '.cm-diagnostic': { fontFamily: 'var(--font)', fontSize: '12px', padding: '4px 8px' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--danger)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warn)' },
  '.cm-diagnosticSource': { color: 'var(--muted)' },
});

/** editorExtensions is everything the Dockerfile editor runs with; onChange gets the text after every edit. */
export function editorExtensions(onChange: (text: string) => void): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    drawSelection(),
    history(),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    StreamLanguage.define(dockerFile),
    syntaxHighlighting(highlight),
    lintGutter(),
    problemLines,
    theme,
    EditorState.tabSize.of(4),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ 'aria-label': 'Dockerfile', 'data-testid': 'dockerfile-input' }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onChange(u.state.doc.toString());
    }),
  ];
}

/** revealLineSpec moves the cursor to a line's start and scrolls it into view. */
export function revealLineSpec(state: EditorState, line: number): TransactionSpec {
  const n = Math.min(Math.max(1, line), state.doc.lines);
  const pos = state.doc.line(n).from;
  return { selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) };
}
