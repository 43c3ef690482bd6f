import type { CSSProperties } from 'react';
import type { ImageComparison } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { shortDigest } from '../../format/digest.ts';
import { instructionOf } from '../stack-rows.ts';
import { compareLayout } from './compare-layout.ts';

export interface CompareStacksProps {
  comparison: ImageComparison;
  /** How each image (comparison index) is named on screen. */
  names: readonly string[];
  selectedBand: string | null;
  onSelectBand(digest: string | null): void;
}

/** CompareStacks draws the images' layer stacks side by side, bases at the bottom: a layer several images
 * share is one band across their columns, a layer only one has sits in its column. Selecting a band marks
 * it, and the columns of every image that has it. */
export function CompareStacks({ comparison: c, names, selectedBand, onSelectBand }: CompareStacksProps) {
  const layout = compareLayout(c);
  const rows = layout.heights.length;
  const selected = selectedBand ? c.bands.find((b) => b.digest === selectedBand) : undefined;
  const grid: CSSProperties = {
    gridTemplateColumns: `repeat(${layout.order.length}, minmax(150px, 1fr))`,
    gridTemplateRows: `auto ${[...layout.heights].reverse().map((h) => `${h}px`).join(' ')}`,
  };
  return (
    <div className={`compare-stacks${selected ? ' has-selection' : ''}`} style={grid} data-testid="compare-stacks" role="group" aria-label="Layer stacks side by side, bases at the bottom">
      {layout.order.map((img, pos) => {
        const info = c.images[img];
        const has = selected ? selected.columns.includes(img) : false;
        return (
          <div
            key={`h-${img}`}
            className={`compare-col${has ? ' has-selected' : ''}`}
            style={{ gridColumn: pos + 1, gridRow: 1 }}
            data-testid="compare-column"
            data-image={img}
            data-position={pos}
            data-digest={info?.digest}
            data-has-selected={selected ? has : undefined}
          >
            <div className="compare-col__name" title={info?.reference ?? info?.digest} data-testid="compare-column-name">
              {names[img] ?? shortDigest(info?.digest ?? '')}
            </div>
            <div className="compare-col__nums">
              <span>
                <span className="muted">size</span> <strong data-testid="compare-column-size">{formatBytes(info?.size ?? 0)}</strong>
              </span>
              <span>
                <span className="muted">unique</span> <strong data-testid="compare-column-unique">{formatBytes(info?.uniqueSize ?? 0)}</strong>
              </span>
            </div>
            <div className="compare-col__mark" aria-hidden={!has}>
              {has ? '● has this layer' : selected ? '○ lacks it' : ' '}
            </div>
          </div>
        );
      })}
      {layout.pieces.map((p) => {
        const band = c.bands[p.band];
        if (!band) return null;
        const shared = band.columns.length > 1;
        const isSel = band.digest === selectedBand;
        const instr = instructionOf(band.createdBy);
        return (
          <button
            type="button"
            key={`${p.band}-${p.col}`}
            className={`compare-band${shared ? ' compare-band--shared' : ''}${isSel ? ' is-selected' : ''}`}
            style={{ gridColumn: `${p.col + 1} / span ${p.span}`, gridRow: rows - p.row + 1 }}
            onClick={() => onSelectBand(band.digest)}
            aria-pressed={isSel}
            title={`${band.digest}\n${formatBytes(band.size)}${shared ? ` · shared by ${band.columns.length} images` : ''}\n${band.createdBy ?? 'no history entry'}`}
            data-testid="compare-band"
            data-digest={band.digest}
            data-images={p.images.join(',')}
            data-span={p.span}
            data-shared={shared}
          >
            <span className="compare-band__instr">{instr || <span className="muted">no history entry</span>}</span>
            <span className="compare-band__meta">
              <code>{shortDigest(band.digest)}</code>
              <strong data-testid="compare-band-size">{formatBytes(band.size)}</strong>
              {shared && <span className="badge badge--shared">shared by {band.columns.length}</span>}
            </span>
          </button>
        );
      })}
    </div>
  );
}
