import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { editorExtensions, problemsTransactions, revealLineSpec, type EditorProblem } from './editor-setup.ts';

export interface DockerfileEditorProps {
  /** The text to show when docVersion changes (the editor owns the text in between). */
  text: string;
  docVersion: number;
  problems: readonly EditorProblem[];
  onChange(text: string): void;
  /** A line to jump to; a new nonce jumps again to the same line. */
  reveal: { line: number; nonce: number } | null;
}

/** DockerfileEditor is CodeMirror 6 with Dockerfile highlighting; problems are marked on their lines. */
export function DockerfileEditor({ text, docVersion, problems, onChange, reveal }: DockerfileEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const change = useRef(onChange);
  change.current = onChange;
  const shownVersion = useRef(docVersion);

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({ doc: text, extensions: editorExtensions((t) => change.current(t)) }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The view is made once; later texts arrive through docVersion.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v || shownVersion.current === docVersion) return;
    shownVersion.current = docVersion;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text }, selection: { anchor: 0 }, scrollIntoView: true });
  }, [docVersion, text]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    for (const spec of problemsTransactions(v.state, problems)) v.dispatch(spec);
  }, [problems, docVersion]);

  useEffect(() => {
    const v = view.current;
    if (!v || !reveal) return;
    v.dispatch(revealLineSpec(v.state, reveal.line));
    v.focus();
  }, [reveal]);

  return <div className="editor" ref={host} data-testid="dockerfile-editor" />;
}
