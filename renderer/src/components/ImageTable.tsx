import type { KeyboardEvent } from 'react';
import type { ImageSummary } from '../../../preload/contract.ts';
import { formatBytes } from '../format/bytes.ts';
import { NONE, primaryReference, shortDigest } from '../format/digest.ts';
import { formatAgo, formatTimestamp } from '../format/time.ts';

export interface ImageTableProps {
  images: readonly ImageSummary[];
  selectedDigest: string | null;
  onSelect(digest: string): void;
  now?: number;
  /** compare adds a first column of checkboxes that pick images for the Compare view. */
  compare?: { picked: readonly string[]; onToggle(digest: string): void };
}

/** ImageTable lists images, one row per manifest; click, Enter or the arrow keys select one. */
export function ImageTable({ images, selectedDigest, onSelect, now = Date.now(), compare }: ImageTableProps) {
  const move = (e: KeyboardEvent<HTMLTableRowElement>, index: number) => {
    const img = images[index];
    if (!img) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(img.digest);
      return;
    }
    const next = e.key === 'ArrowDown' ? index + 1 : e.key === 'ArrowUp' ? index - 1 : -1;
    const target = images[next];
    if (!target) return;
    e.preventDefault();
    onSelect(target.digest);
    const row = e.currentTarget.parentElement?.children[next];
    if (row instanceof HTMLElement) row.focus();
  };

  return (
    <table className="table images-table" aria-label="Images" data-testid="images-table">
      <colgroup>
        {compare && <col className="col-pick" />}
        <col className="col-ref" />
        <col className="col-digest" />
        <col className="col-num" />
        <col className="col-num" />
        <col className="col-num" />
        <col className="col-share" />
        <col className="col-created" />
      </colgroup>
      <thead>
        <tr>
          {compare && (
            <th scope="col" className="pick-cell">
              <span className="visually-hidden">Pick to compare</span>
            </th>
          )}
          <th scope="col">Reference</th>
          <th scope="col">Digest</th>
          <th scope="col" className="num">
            Size
          </th>
          <th scope="col" className="num">
            Shared
          </th>
          <th scope="col" className="num">
            Unique
          </th>
          <th scope="col">
            <span className="visually-hidden">Shared and unique bytes</span>
          </th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {images.map((img, i) => {
          const selected = img.digest === selectedDigest;
          const name = primaryReference(img.familiarReferences);
          const more = img.familiarReferences.length - 1;
          const sharedPct = img.size > 0 ? (img.sharedSize / img.size) * 100 : 0;
          return (
            <tr
              key={img.digest}
              className={selected ? 'is-selected' : undefined}
              aria-selected={selected}
              tabIndex={selected || (!selectedDigest && i === 0) ? 0 : -1}
              onClick={() => onSelect(img.digest)}
              onKeyDown={(e) => move(e, i)}
              data-testid="image-row"
              data-digest={img.digest}
              data-reference={name}
            >
              {compare && (
                <td className="pick-cell" onClick={(e) => e.stopPropagation()}>
                  <input
                    type="checkbox"
                    checked={compare.picked.includes(img.digest)}
                    onChange={() => compare.onToggle(img.digest)}
                    onKeyDown={(e) => e.stopPropagation()}
                    aria-label={`Pick ${name} to compare`}
                    data-testid="image-pick"
                  />
                </td>
              )}
              <td data-testid="image-reference" className={name === NONE ? 'ref ref--none' : 'ref'} title={img.references.join('\n') || 'untagged'}>
                <span className="ref__name">{name}</span>
                {more > 0 && (
                  <span className="chip" title={img.familiarReferences.slice(1).join('\n')}>
                    +{more}
                  </span>
                )}
              </td>
              <td data-testid="image-digest" className="mono" title={img.digest}>
                {shortDigest(img.digest)}
              </td>
              <td data-testid="image-size" className="num">
                {formatBytes(img.size)}
              </td>
              <td data-testid="image-shared-size" className="num">
                {formatBytes(img.sharedSize)}
              </td>
              <td data-testid="image-unique-size" className="num">
                {formatBytes(img.uniqueSize)}
              </td>
              <td aria-hidden="true">
                <div className="share-bar" title={`${Math.round(sharedPct)}% shared with other images`}>
                  <div className="share-bar__shared" style={{ width: `${sharedPct}%` }} />
                </div>
              </td>
              <td data-testid="image-created" title={formatTimestamp(img.created)}>
                {formatAgo(img.created, now)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
