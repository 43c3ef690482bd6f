import type { ImageDetail } from '../../../preload/contract.ts';
import { formatBytes } from '../format/bytes.ts';
import { shortDigest } from '../format/digest.ts';
import { formatTimestamp } from '../format/time.ts';
import { bandHeight } from './band-scale.ts';
import { instructionOf, stackRows } from './stack-rows.ts';

/** LayerStack draws an image's layers as stacked bands, as Docker's docs picture them: the top layer first,
 * the base at the bottom, each band as tall as its bytes (log-scaled, with a minimum so small layers stay
 * visible), labelled with the instruction that made it, its size and how many images share it. */
export function LayerStack({ detail }: { detail: Pick<ImageDetail, 'layers' | 'history'> }) {
  const rows = stackRows(detail);
  const largest = Math.max(1, ...detail.layers.map((l) => l.size));
  const top = detail.layers.length - 1;
  return (
    <ol className="stack stack--bands" aria-label="Layers, top first, base last" data-testid="layer-stack" reversed>
      {[...rows].reverse().map((row) => {
        if (row.kind === 'config') {
          return (
            <li key={`cfg-${row.position}`} className="stack__config" data-testid="config-step" title={formatTimestamp(row.created)}>
              <span className="stack__config-label">config</span>
              <code className="stack__instr">{instructionOf(row.createdBy)}</code>
            </li>
          );
        }
        const l = row.layer;
        const shared = l.usedBy > 1;
        const instr = instructionOf(l.createdBy);
        return (
          <li
            key={`${l.index}-${l.digest}`}
            className={`layer${shared ? ' layer--shared' : ''}`}
            style={{ minHeight: bandHeight(l.size, largest) }}
            data-testid="layer-row"
            data-index={l.index}
            data-digest={l.digest}
            data-shared={shared}
          >
            <div className="layer__head">
              <span className="layer__pos">{l.index === 0 ? 'base' : l.index === top ? 'top' : `#${l.index}`}</span>
              <code className="layer__digest" data-testid="layer-digest" title={l.digest}>
                {shortDigest(l.digest)}
              </code>
              <span className="layer__size" data-testid="layer-size" title={l.uncompressedSize !== null ? `${formatBytes(l.uncompressedSize)} uncompressed` : undefined}>
                {formatBytes(l.size)}
              </span>
              <span className={`badge${shared ? ' badge--shared' : ''}`} data-testid="layer-used-by" data-used-by={l.usedBy}>
                {shared ? `shared by ${l.usedBy} images` : 'only this image'}
              </span>
            </div>
            <code className="layer__instr" data-testid="layer-created-by" title={l.createdBy ?? 'no history entry'}>
              {instr || <span className="muted">no history entry</span>}
            </code>
          </li>
        );
      })}
    </ol>
  );
}
