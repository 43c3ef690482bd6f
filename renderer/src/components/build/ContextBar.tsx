import type { FormEvent } from 'react';
import type { BuildContextInfo } from '../../../../preload/contract.ts';
import type { EngineError } from '../../ipc/engine-error.ts';

export interface ContextBarProps {
  path: string;
  context: BuildContextInfo | null;
  loading: boolean;
  error: EngineError | null;
  onPathChange(path: string): void;
  onOpen(): void;
  /** Opens the native folder dialog; absent where there is none (browser mode: the field is the way in). */
  onBrowse?: () => void;
}

/** ContextBar picks the build context: a folder path (or the native picker where there is one). */
export function ContextBar({ path, context, loading, error, onPathChange, onOpen, onBrowse }: ContextBarProps) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onOpen();
  };
  const changed = !!context && path.trim() !== context.contextDir;
  return (
    <form className="context-bar" onSubmit={submit} aria-label="Build context" data-testid="context-bar">
      <label className="context-bar__label" htmlFor="context-path">
        Context
      </label>
      <div className="context-bar__field">
        <svg className="context-bar__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7Z" />
        </svg>
        <input
          id="context-path"
          className="input context-bar__input"
          placeholder="/path/to/a/folder/with/a/Dockerfile"
          spellCheck={false}
          autoComplete="off"
          value={path}
          onChange={(e) => onPathChange(e.target.value)}
          data-testid="context-path"
        />
      </div>
      {onBrowse && (
        <button type="button" className="button" onClick={onBrowse}>
          Browse…
        </button>
      )}
      <button type="submit" className={`button${!context || changed ? ' button--primary' : ''}`} disabled={loading || !path.trim()} data-testid="open-context">
        {loading ? 'Opening…' : context && !changed ? 'Reload' : 'Open'}
      </button>
      {context && (
        <span className="context-bar__file" data-testid="context-file" title={`${context.contextDir}/${context.dockerfile}`}>
          <code>{context.dockerfile}</code>
          {!context.exists && <span className="badge">new file</span>}
        </span>
      )}
      {error && (
        <span className="context-bar__error" role="alert" data-testid="context-error">
          {error.message}
        </span>
      )}
    </form>
  );
}
