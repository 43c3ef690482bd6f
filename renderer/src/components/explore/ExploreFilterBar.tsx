import { useEffect, useState } from 'react';
import type { ExploreChange } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import type { ExploreFilters, ExploreLayout } from '../../store/explore-slice.ts';
import { parseSizeInput } from '../../store/explore-tree.ts';

const CHANGES: ExploreChange[] = ['added', 'modified', 'deleted', 'unchanged'];

/** ExploreFilterBar sets the tree's view (this layer / the image as of it), change types, path pattern,
 * minimum size and order; typing is debounced so the engine sees settled values. */
export function ExploreFilterBar({ filters, onChange, layout, onLayout }: { filters: ExploreFilters; onChange(patch: Partial<ExploreFilters>): void; layout: ExploreLayout; onLayout(l: ExploreLayout): void }) {
  const [pattern, setPattern] = useState(filters.pattern);
  const [size, setSize] = useState(filters.minSize ? String(filters.minSize) : '');
  const parsedSize = parseSizeInput(size);
  useEffect(() => {
    if (pattern === filters.pattern) return;
    const t = setTimeout(() => onChange({ pattern }), 250);
    return () => clearTimeout(t);
  }, [pattern, filters.pattern, onChange]);
  useEffect(() => {
    if (parsedSize === null || parsedSize === filters.minSize) return;
    const t = setTimeout(() => onChange({ minSize: parsedSize }), 250);
    return () => clearTimeout(t);
  }, [parsedSize, filters.minSize, onChange]);

  const toggle = (c: ExploreChange) => onChange({ changes: filters.changes.includes(c) ? filters.changes.filter((x) => x !== c) : [...filters.changes, c] });
  return (
    <div className="xfilters" data-testid="explore-filters">
      <div className="segmented" role="radiogroup" aria-label="Show">
        {(
          [
            ['layer', 'This layer only'],
            ['image', 'Image as of this layer'],
          ] as const
        ).map(([v, label]) => (
          <button key={v} type="button" role="radio" aria-checked={filters.view === v} className={`segmented__item${filters.view === v ? ' is-active' : ''}`} onClick={() => onChange({ view: v })} data-testid={`explore-view-${v}`}>
            {label}
          </button>
        ))}
      </div>
      <fieldset className="xfilters__changes" aria-label="Changes">
        {CHANGES.map((c) => (
          <label key={c} className={`xchange xchange--${c}${filters.changes.includes(c) ? ' is-on' : ''}`}>
            <input type="checkbox" checked={filters.changes.includes(c)} onChange={() => toggle(c)} data-testid={`explore-change-${c}`} />
            {c}
          </label>
        ))}
      </fieldset>
      <input type="search" className="input xfilters__pattern" placeholder="Path pattern, e.g. /etc/** or *.so" aria-label="Path pattern" value={pattern} onChange={(e) => setPattern(e.target.value)} data-testid="explore-pattern" />
      <input
        type="text"
        className={`input xfilters__size${parsedSize === null ? ' is-invalid' : ''}`}
        placeholder="Min size"
        aria-label="Minimum file size"
        aria-invalid={parsedSize === null}
        title={parsedSize === null ? 'A size such as 10kB, 1.5MB or 4KiB' : parsedSize ? `Files of ${formatBytes(parsedSize)} or more` : 'Any size'}
        value={size}
        onChange={(e) => setSize(e.target.value)}
        data-testid="explore-min-size"
      />
      <label className="xfilters__sort">
        <span className="muted">Sort</span>
        <select className="input" value={filters.sort} onChange={(e) => onChange({ sort: e.target.value as ExploreFilters['sort'] })} data-testid="explore-sort">
          <option value="path">by path</option>
          <option value="size">largest first</option>
        </select>
      </label>
      <div className="segmented" role="radiogroup" aria-label="Show as">
        {(['tree', 'list'] as const).map((l) => (
          <button key={l} type="button" role="radio" aria-checked={layout === l} className={`segmented__item${layout === l ? ' is-active' : ''}`} onClick={() => onLayout(l)} data-testid={`explore-layout-${l}`}>
            {l === 'tree' ? 'Tree' : 'List'}
          </button>
        ))}
      </div>
    </div>
  );
}
