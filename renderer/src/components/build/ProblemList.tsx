import { problemText } from './format-build.ts';
import type { EditorProblem } from './editor-setup.ts';

/** ProblemList lists the Dockerfile's problems under the editor; a click jumps to the line. */
export function ProblemList({ problems, onReveal }: { problems: readonly EditorProblem[]; onReveal(line: number): void }) {
  if (!problems.length) return null;
  return (
    <ul className="problems" aria-label="Problems" data-testid="problems">
      {problems.map((p, i) => (
        <li key={`${p.source}-${p.line}-${i}`} className={`problem problem--${p.severity}`} data-testid="problem" data-line={p.line} data-severity={p.severity} data-source={p.source}>
          <button type="button" className="problem__button" onClick={() => onReveal(p.line)} title="Show the line">
            <span className="problem__icon" aria-hidden="true">
              {p.severity === 'error' ? '✕' : '!'}
            </span>
            <span className="problem__line">Line {p.line}</span>
            <span className="problem__message" data-testid="problem-message">
              {p.source === 'build' ? 'Build: ' : ''}
              {problemText(p.message)}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
