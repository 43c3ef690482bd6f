import type { FormEvent } from 'react';
import type { ReferenceCheck } from '../../../../preload/contract.ts';
import type { EngineError } from '../../ipc/engine-error.ts';
import { shortDigest } from '../../format/digest.ts';
import type { TagMove } from '../../store/tag-slice.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { ErrorBanner } from '../ErrorBanner.tsx';
import { retarget } from './retarget.ts';

export interface TagEditorProps {
  /** The image's names, full and familiar, in the same order. */
  references: readonly string[];
  familiar: readonly string[];
  /** Registries to offer a retag for (logged-in ones first). */
  registries: readonly string[];
  input: string;
  check: { input: string; result: ReferenceCheck } | null;
  busy: boolean;
  error: EngineError | null;
  move: TagMove | null;
  notice: string | null;
  onInput(text: string): void;
  onSubmit(): void;
  onRemove(reference: string): void;
  onConfirmMove(): void;
  onCancelMove(): void;
}

/** TagEditor lists an image's names with a remove button each, and adds one: the field is checked as one
 * types (the full normalized name, or what is wrong), a registry button rewrites the name for that registry,
 * and a name that belongs to another image is only moved after a yes. */
export function TagEditor(p: TagEditorProps) {
  const text = p.input.trim();
  const verdict = p.check && p.check.input === text ? p.check.result : null;
  const primary = p.references[0];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text && !p.busy) p.onSubmit();
  };
  return (
    <div className="tag-editor" data-testid="tag-editor">
      <h3 className="section-title">
        Names <span className="count">{p.references.length}</span>
      </h3>
      {p.references.length === 0 ? (
        <p className="hint tag-editor__empty">This image has no name: it is listed as &lt;none&gt;. Give it one below.</p>
      ) : (
        <ul className="tag-list" aria-label="Names of this image">
          {p.references.map((ref, i) => (
            <li key={ref} className="tag-list__item" data-testid="tag-item" data-reference={ref}>
              <span className="tag-list__names">
                <span className="tag-list__familiar">{p.familiar[i] ?? ref}</span>
                <code className="tag-list__full">{ref}</code>
              </span>
              <button type="button" className="button button--small" onClick={() => p.onRemove(ref)} disabled={p.busy} aria-label={`Remove tag ${p.familiar[i] ?? ref}`} data-testid="tag-remove">
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}

      <h3 className="section-title">Add a name</h3>
      <form className="tag-form" onSubmit={submit}>
        <div className="tag-form__row">
          <input
            className={`input tag-form__input${verdict ? (verdict.ok ? ' is-valid' : ' is-invalid') : ''}`}
            placeholder="myapp:1.0 or registry.example.com/team/app:1.0"
            aria-label="New tag"
            aria-invalid={verdict ? !verdict.ok : undefined}
            spellCheck={false}
            autoComplete="off"
            value={p.input}
            onChange={(e) => p.onInput(e.target.value)}
            data-testid="tag-input"
          />
          <button type="submit" className="button button--primary" disabled={!text || p.busy || (verdict !== null && !verdict.ok)} data-testid="tag-add">
            Add tag
          </button>
        </div>
        <div className="tag-check" aria-live="polite" data-testid="tag-check" data-state={!text ? 'empty' : verdict ? (verdict.ok ? 'ok' : 'invalid') : 'checking'}>
          {!text ? (
            <span className="muted">Docker’s rules: lowercase repository, optional registry host and :tag. The full name shows here as you type.</span>
          ) : !verdict ? (
            <span className="muted">Checking…</span>
          ) : verdict.ok ? (
            <>
              <span className="tag-check__mark tag-check__mark--ok" aria-hidden="true">✓</span>
              <span className="muted">Full name</span>
              <code data-testid="tag-normalized">{verdict.normalized}</code>
            </>
          ) : (
            <>
              <span className="tag-check__mark tag-check__mark--bad" aria-hidden="true">!</span>
              <span className="tag-check__error" data-testid="tag-invalid">
                {verdict.error}
              </span>
            </>
          )}
        </div>
        {primary && p.registries.length > 0 && (
          <div className="tag-form__registries">
            <span className="muted">Retag for</span>
            {p.registries.map((r) => (
              <button key={r} type="button" className="chip-button" onClick={() => p.onInput(retarget(primary, r))} data-testid="retag-registry" data-registry={r} title={`Name it ${retarget(primary, r)}`}>
                {r}
              </button>
            ))}
          </div>
        )}
      </form>
      {p.notice && (
        <p className="notice" role="status" data-testid="tag-notice">
          {p.notice}
        </p>
      )}
      {p.error && <ErrorBanner title="Could not change the tags" error={p.error} />}
      {p.move && (
        <ConfirmDialog title={`Move ${p.move.familiar}?`} confirmLabel="Move tag" cancelLabel="Keep it" busy={p.busy} onConfirm={p.onConfirmMove} onCancel={p.onCancelMove}>
          <p>
            <strong>{p.move.familiar}</strong> names another image now (<code>{shortDigest(p.move.fromDigest)}</code>). Moving it makes the name point at this image instead.
          </p>
          <p className="muted" data-testid="confirm-consequence">
            {p.move.fromOtherNames.length
              ? `The other image keeps its other name${p.move.fromOtherNames.length > 1 ? 's' : ''}: ${p.move.fromOtherNames.join(', ')}.`
              : 'It is the other image’s only name: that image is left without a name.'}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
