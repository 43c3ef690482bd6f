import type { KeyboardEvent } from 'react';
import type { BuildArgRow, BuildForm } from '../../store/build-form.ts';
import { isMac, shortcutText } from '../../shell/shortcuts.ts';

export interface BuildOptionsProps {
  form: BuildForm;
  /** Named stages the target select offers, in Dockerfile order. */
  stageNames: readonly string[];
  /** How the last stage is called (its name, or "stage N"), for the default target. */
  lastStage: string | null;
  tagDraft: string;
  tagError: string | null;
  onTagDraft(text: string): void;
  onAddTag(): void;
  onRemoveTag(name: string): void;
  onArg(id: number, patch: Partial<Pick<BuildArgRow, 'name' | 'value'>>): void;
  onAddArg(): void;
  onRemoveArg(id: number): void;
  onTarget(target: string): void;
  onNoCache(noCache: boolean): void;
  canBuild: boolean;
  building: boolean;
  onBuild(): void;
}

function TagField({ tags, draft, error, onDraft, onAdd, onRemove }: { tags: BuildForm['tags']; draft: string; error: string | null; onDraft(t: string): void; onAdd(): void; onRemove(n: string): void }) {
  const key = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      onAdd();
    } else if (e.key === 'Backspace' && !draft && tags.length) {
      onRemove((tags[tags.length - 1] as BuildForm['tags'][number]).name);
    }
  };
  return (
    <div className="field">
      <label className="field__label" htmlFor="build-tag-input">
        Tags
      </label>
      <div className={`chip-input${error ? ' chip-input--invalid' : ''}`} data-testid="build-tags">
        {tags.map((t) => (
          <span key={t.name} className="tag-chip" title={t.normalized} data-testid="build-tag" data-normalized={t.normalized}>
            {t.name}
            <button type="button" className="tag-chip__remove" aria-label={`Remove tag ${t.name}`} onClick={() => onRemove(t.name)}>
              ×
            </button>
          </span>
        ))}
        <input
          id="build-tag-input"
          className="chip-input__input"
          placeholder={tags.length ? 'Add another…' : 'myapp:1.0 — Enter adds'}
          spellCheck={false}
          autoComplete="off"
          value={draft}
          onChange={(e) => onDraft(e.target.value.replace(/,/g, ''))}
          onKeyDown={key}
          aria-invalid={!!error}
          aria-describedby={error ? 'build-tag-error' : undefined}
          data-testid="build-tag-input"
        />
      </div>
      {error && (
        <div id="build-tag-error" className="field__error" role="alert" data-testid="build-tag-error">
          {error}
        </div>
      )}
    </div>
  );
}

function ArgRows({ rows, onArg, onAdd, onRemove }: { rows: readonly BuildArgRow[]; onArg: BuildOptionsProps['onArg']; onAdd(): void; onRemove(id: number): void }) {
  return (
    <div className="field">
      <div className="field__label">Build args</div>
      {rows.length > 0 && (
        <div className="args" role="table" aria-label="Build args" data-testid="build-args">
          {rows.map((r) => (
            <div key={r.id} className="args__row" role="row" data-testid="build-arg" data-name={r.name}>
              {r.fromDockerfile ? (
                <code className="args__name" role="cell" title="Declared by an ARG in the Dockerfile">
                  {r.name}
                </code>
              ) : (
                <input className="input args__name-input" role="cell" aria-label="Build arg name" placeholder="NAME" spellCheck={false} value={r.name} onChange={(e) => onArg(r.id, { name: e.target.value })} data-testid="build-arg-name" />
              )}
              <input
                className={`input args__value${r.fromDockerfile && !r.edited ? ' args__value--default' : ''}`}
                role="cell"
                aria-label={`Value of ${r.name || 'the build arg'}`}
                placeholder={r.fromDockerfile && r.defaultValue === null ? 'no default' : 'value'}
                spellCheck={false}
                value={r.value}
                onChange={(e) => onArg(r.id, { value: e.target.value })}
                data-testid="build-arg-value"
              />
              {r.fromDockerfile ? (
                <span className="args__note" role="cell" title={r.defaultValue === null ? 'The ARG has no default' : `Default: ${r.defaultValue}`}>
                  {r.edited && r.value !== (r.defaultValue ?? '') ? 'set' : 'default'}
                </span>
              ) : (
                <button type="button" className="icon-button args__remove" role="cell" aria-label={`Remove build arg ${r.name}`} onClick={() => onRemove(r.id)}>
                  ×
                </button>
              )}
            </div>
          ))}
        </div>
      )}
      <button type="button" className="link-button" onClick={onAdd} data-testid="add-build-arg">
        + Add build arg
      </button>
    </div>
  );
}

/** BuildOptions is the build form: tags, build args (prefilled from the Dockerfile's ARGs), target, no-cache. */
export function BuildOptions(p: BuildOptionsProps) {
  return (
    <section className="panel build-options" aria-label="Build options" data-testid="build-options">
      <div className="build-options__grid">
        <TagField tags={p.form.tags} draft={p.tagDraft} error={p.tagError} onDraft={p.onTagDraft} onAdd={p.onAddTag} onRemove={p.onRemoveTag} />
        <div className="field">
          <label className="field__label" htmlFor="build-target">
            Target
          </label>
          <select id="build-target" className="input select" value={p.form.target} onChange={(e) => p.onTarget(e.target.value)} data-testid="build-target">
            <option value="">{p.lastStage ? `Last stage (${p.lastStage})` : 'Last stage'}</option>
            {p.stageNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <ArgRows rows={p.form.args} onArg={p.onArg} onAdd={p.onAddArg} onRemove={p.onRemoveArg} />
      </div>
      <div className="build-options__actions">
        <label className="check">
          <input type="checkbox" checked={p.form.noCache} onChange={(e) => p.onNoCache(e.target.checked)} data-testid="build-no-cache" />
          No cache
        </label>
        <button type="button" className="button button--primary button--large" disabled={!p.canBuild || p.building} onClick={p.onBuild} data-testid="build-button" title={`Build (${shortcutText('build', isMac())})`}>
          {p.building ? (
            <>
              <svg viewBox="0 0 24 24" aria-hidden="true" className="spin">
                <path d="M20 12a8 8 0 1 1-2.34-5.66" />
              </svg>
              Building…
            </>
          ) : (
            <>
              <svg viewBox="0 0 24 24" aria-hidden="true">
                <path d="M7 4v16l13-8L7 4Z" />
              </svg>
              Build
            </>
          )}
        </button>
      </div>
    </section>
  );
}
