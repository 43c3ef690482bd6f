import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { ImageDetailPanel } from '../components/ImageDetailPanel.tsx';
import { ImageTable } from '../components/ImageTable.tsx';
import { UsageHeader } from '../components/UsageHeader.tsx';
import { filterImages } from './filter-images.ts';
import { navigate } from '../navigation.ts';
import { useStrata } from '../store/store.ts';
import {
  selectCompareActions,
  selectCompareSelection,
  selectExploreActions,
  selectDetailState,
  selectImages,
  selectImagesStatus,
  selectRefreshImages,
  selectSelectImage,
  selectSelectedDigest,
  selectUsage,
} from '../store/selectors.ts';

/** ImagesView is every image in the store, the store totals, and the selected image's layer stack. */
export function ImagesView() {
  const images = useStrata(selectImages);
  const usage = useStrata(selectUsage);
  const status = useStrata(useShallow(selectImagesStatus));
  const selectedDigest = useStrata(selectSelectedDigest);
  const detail = useStrata(useShallow(selectDetailState));
  const refresh = useStrata(selectRefreshImages);
  const select = useStrata(selectSelectImage);
  const picked = useStrata(selectCompareSelection);
  const compare = useStrata(useShallow(selectCompareActions));
  const explore = useStrata(useShallow(selectExploreActions));
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const shown = useMemo(() => filterImages(images, deferredFilter), [images, deferredFilter]);
  const pickedHere = picked.filter((d) => images.some((i) => i.digest === d));
  const pickProps = useMemo(() => ({ picked, onToggle: compare.toggle }), [picked, compare.toggle]);
  const openCompare = (withDigest?: string) => {
    if (withDigest && !picked.includes(withDigest)) compare.setSelection([...pickedHere, withDigest]);
    navigate('compare');
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && selectedDigest) void select(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selectedDigest, select]);

  return (
    <div className="images-view">
      <UsageHeader usage={usage} />
      {status.error && <ErrorBanner title="Could not list images" error={status.error} onRetry={() => void refresh()} />}
      <div className={`split${detail.digest ? ' split--open' : ''}`}>
        <section className="panel" aria-label="Image list">
          <div className="toolbar">
            <h1 className="toolbar__title">
              Images{' '}
              <span className="count" data-testid="images-count" title={shown.length === images.length ? undefined : `${shown.length} shown of ${images.length}`}>
                {shown.length === images.length ? images.length : `${shown.length}/${images.length}`}
              </span>
            </h1>
            <input
              type="search"
              className="input"
              placeholder="Filter by name or digest"
              aria-label="Filter images"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            <button
              type="button"
              className="button button--primary"
              disabled={pickedHere.length < 2}
              onClick={() => openCompare()}
              title={pickedHere.length < 2 ? 'Tick two or more images to compare their layers' : `Compare ${pickedHere.length} images`}
              data-testid="compare-button"
            >
              Compare{pickedHere.length ? ` (${pickedHere.length})` : ''}
            </button>
          </div>
          <div className="panel__scroll">
            {status.loaded && images.length === 0 ? (
              <div className="placeholder" data-testid="images-empty">
                <p>No images in this store yet.</p>
                <p className="muted">
                  Load one with <code>strata load -i image.tar</code>
                </p>
              </div>
            ) : !status.loaded && !status.error ? (
              <div className="placeholder" aria-busy="true">
                Loading images…
              </div>
            ) : (
              <>
                <ImageTable images={shown} selectedDigest={selectedDigest} onSelect={(d) => void select(d)} compare={pickProps} />
                {shown.length === 0 && images.length > 0 && <div className="placeholder">No image matches “{filter}”.</div>}
                {shown.length > 0 && !detail.digest && (
                  <p className="hint">
                    Select an image to see its layer stack, base at the bottom. The bar shows its bytes{' '}
                    <i className="swatch swatch--shared" aria-hidden="true" />
                    shared with other images and <i className="swatch swatch--unique" aria-hidden="true" />
                    its own.
                  </p>
                )}
              </>
            )}
          </div>
        </section>
        {detail.digest && (
          <ImageDetailPanel
            digest={detail.digest}
            detail={detail.detail}
            loading={detail.loading}
            error={detail.error}
            onClose={() => void select(null)}
            onRetry={() => detail.digest && void select(detail.digest)}
            onCompare={() => detail.digest && openCompare(detail.digest)}
            onExplore={() => {
              if (!detail.digest) return;
              void explore.open(detail.digest);
              navigate('explore');
            }}
          />
        )}
      </div>
    </div>
  );
}
