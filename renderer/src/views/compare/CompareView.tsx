import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CompareMatrix } from '../../components/compare/CompareMatrix.tsx';
import { CompareStacks } from '../../components/compare/CompareStacks.tsx';
import { DiffPanel } from '../../components/compare/DiffPanel.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { instructionOf } from '../../components/stack-rows.ts';
import { formatBytes, formatPercent } from '../../format/bytes.ts';
import { primaryReference, shortDigest } from '../../format/digest.ts';
import { navigate } from '../../navigation.ts';
import { selectCompareActions, selectCompareSelection, selectCompareState, selectImages, selectImagesStatus, selectSelectedBand, selectSelectImage } from '../../store/selectors.ts';
import { useStrata } from '../../store/store.ts';
import './compare.css';
import { Stat } from '../../components/Stat.tsx';

/** CompareView puts two or more images side by side: their stacks with shared layers drawn once across the
 * images that share them (or a pairwise matrix for many), and what the sharing saves on disk and on the wire. */
export function CompareView() {
  const images = useStrata(selectImages);
  const status = useStrata(useShallow(selectImagesStatus));
  const selection = useStrata(selectCompareSelection);
  const cmp = useStrata(useShallow(selectCompareState));
  const band = useStrata(selectSelectedBand);
  const act = useStrata(useShallow(selectCompareActions));
  const selectImage = useStrata(selectSelectImage);

  // Images removed meanwhile leave the selection.
  useEffect(() => {
    if (!status.loaded) return;
    const kept = selection.filter((d) => images.some((i) => i.digest === d));
    if (kept.length !== selection.length) act.setSelection(kept);
  }, [images, status.loaded, selection, act]);

  useEffect(() => {
    void act.run();
  }, [selection, act]);

  const c = cmp.comparison && cmp.of.length >= 2 ? cmp.comparison : null;
  const names = useMemo(
    () => (c ? c.images.map((img) => primaryReference(images.find((i) => i.digest === img.digest)?.familiarReferences ?? []).replace('<none>', shortDigest(img.digest))) : []),
    [c, images],
  );
  const selectedBand = c && band && cmp.mode === 'stacks' ? c.bands.find((b) => b.digest === band) : undefined;
  const total = c ? c.images.reduce((n, i) => n + i.size, 0) : 0;
  const sharedBands = c ? c.bands.filter((b) => b.columns.length > 1).length : 0;
  const mode = cmp.mode;
  const diffNames = useMemo(() => Object.fromEntries(images.map((i) => [i.digest, primaryReference(i.familiarReferences).replace('<none>', shortDigest(i.digest))])), [images]);

  return (
    <div className="compare-view">
      <section className="panel compare-picker" aria-label="Images to compare">
        <div className="toolbar">
          <h1 className="toolbar__title">
            Images <span className="count">{selection.length}</span>
          </h1>
          {selection.length > 0 && (
            <button type="button" className="link-button" onClick={() => act.setSelection([])} data-testid="compare-clear">
              Clear
            </button>
          )}
        </div>
        <div className="panel__scroll">
          {!status.loaded ? (
            <div className="placeholder" aria-busy="true">
              Loading images…
            </div>
          ) : images.length === 0 ? (
            <div className="placeholder">No images in this store yet.</div>
          ) : (
            <ul className="pick-list">
              {images.map((img) => {
                const name = primaryReference(img.familiarReferences);
                const on = selection.includes(img.digest);
                return (
                  <li key={img.digest}>
                    <label className={`pick${on ? ' is-on' : ''}`} data-testid="compare-pick" data-digest={img.digest} data-reference={name}>
                      <input type="checkbox" checked={on} onChange={() => act.toggle(img.digest)} />
                      <span className="pick__name">{name}</span>
                      <span className="pick__size">{formatBytes(img.size)}</span>
                    </label>
                  </li>
                );
              })}
            </ul>
          )}
          <p className="hint">Pick two or more images. In Images, tick them and press Compare.</p>
        </div>
      </section>

      <section className="panel compare-main" aria-label="Comparison" data-testid="compare-view">
        <div className="toolbar">
          <h1 className="toolbar__title">
            {mode === 'diff' ? 'Image diff' : 'Layer sharing'} {c && <span className="count">{c.images.length} images</span>}
          </h1>
          <div className="segmented" role="radiogroup" aria-label="View as">
            {(['stacks', 'matrix', 'diff'] as const).map((m) => (
              <button key={m} type="button" role="radio" aria-checked={mode === m} className={`segmented__item${mode === m ? ' is-active' : ''}`} onClick={() => act.setMode(m)} data-testid={`compare-mode-${m}`}>
                {m === 'stacks' ? 'Stacks' : m === 'matrix' ? 'Matrix' : 'Diff'}
              </button>
            ))}
          </div>
        </div>
        {cmp.error && <ErrorBanner title="Could not compare these images" error={cmp.error} onRetry={() => void act.run()} />}
        {selection.length < 2 ? (
          <div className="placeholder compare-empty" data-testid="compare-empty">
            <p>
              <strong>Pick at least two images</strong> to see which layers they share.
            </p>
            <p className="muted">A layer two images share is stored once and pushed once: the numbers here say how much that saves.</p>
          </div>
        ) : mode === 'diff' ? (
          <DiffPanel digests={selection} names={diffNames} />
        ) : !c ? (
          <div className="placeholder" aria-busy="true">
            Comparing…
          </div>
        ) : (
          <>
            <section className="usage compare-stats" aria-label="What sharing saves" data-testid="compare-stats" aria-busy={cmp.loading}>
              <Stat label="Shared layers" value={formatBytes(c.sharedBytes)} hint={`${sharedBands} of ${c.bands.length} layers`} testId="compare-shared" />
              <Stat label="Saved on disk" value={formatBytes(c.savedOnDisk)} hint={`${formatPercent(c.savedOnDisk, total)} of ${formatBytes(total)}`} testId="compare-saved-disk" tone="good" />
              <Stat label="Saved on the wire" value={formatBytes(c.savedOnWire)} hint="pushing all to one registry" testId="compare-saved-wire" tone="good" />
              <Stat label="Stored" value={formatBytes(total - c.savedOnDisk)} hint={`for ${formatBytes(total)} of images`} testId="compare-stored" />
            </section>
            <div className="compare-body">
              {mode === 'stacks' ? (
                <CompareStacks comparison={c} names={names} selectedBand={band} onSelectBand={act.selectBand} />
              ) : (
                <CompareMatrix comparison={c} names={names} />
              )}
            </div>
            <div className="compare-selection" aria-live="polite" data-testid="compare-band-info">
              {selectedBand ? (
                <>
                  <span className="compare-selection__label">Layer</span>
                  <code title={selectedBand.digest}>{shortDigest(selectedBand.digest)}</code>
                  <strong>{formatBytes(selectedBand.size)}</strong>
                  <span className="muted">in</span>
                  {selectedBand.columns.map((i) => (
                    <button
                      key={i}
                      type="button"
                      className="chip-button"
                      onClick={() => {
                        const d = c.images[i]?.digest;
                        if (d) {
                          void selectImage(d);
                          navigate('images');
                        }
                      }}
                      title="Open in Images"
                    >
                      {names[i]}
                    </button>
                  ))}
                  <code className="compare-selection__instr">{instructionOf(selectedBand.createdBy)}</code>
                </>
              ) : (
                <span className="muted">{mode === 'stacks' ? 'Select a layer to see it in every image that has it.' : 'Each cell: the layer bytes two images share; the diagonal is each image’s own.'}</span>
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}
