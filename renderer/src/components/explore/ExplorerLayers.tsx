import type { ExplorerImageView } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { layerLabel, sourceLabel } from './layer-label.ts';

/** ExplorerLayers lists an image's layers, top first: instruction, Dockerfile line, bytes and file count. */
export function ExplorerLayers({ image, selected, onSelect }: { image: ExplorerImageView; selected: number | null; onSelect(index: number): void }) {
  const layers = [...image.layers].reverse();
  return (
    <ol className="xlayers" aria-label="Layers, top first" data-testid="explore-layers">
      {layers.map((l) => {
        const src = sourceLabel(l.source);
        const on = l.index === selected;
        return (
          <li key={l.index}>
            <button
              type="button"
              className={`xlayer${on ? ' is-selected' : ''}${l.base ? ' xlayer--base' : ''}`}
              aria-pressed={on}
              onClick={() => onSelect(l.index)}
              data-testid="explore-layer"
              data-index={l.index}
              data-instruction={l.instruction ?? ''}
              data-line={l.source?.line ?? ''}
              data-files={l.files}
              data-bytes={l.fileBytes}
            >
              <span className="xlayer__head">
                <span className="xlayer__pos">#{l.index}</span>
                {l.instruction && <span className="xlayer__kind">{l.instruction}</span>}
                {src && (
                  <span className="xlayer__src" data-testid="explore-layer-source">
                    {src}
                  </span>
                )}
                {l.base && <span className="badge">base</span>}
              </span>
              <code className="xlayer__instr" title={l.createdBy ?? undefined}>
                {layerLabel(l.createdBy)}
              </code>
              <span className="xlayer__meta">
                <span>{formatBytes(l.fileBytes)}</span>
                <span>
                  {l.files} file{l.files === 1 ? '' : 's'}
                </span>
                <span className="muted" title="Size of the layer blob as stored: the tar itself for a built layer (a push sends its gzip), the registry's gzip for a pulled one">
                  {formatBytes(l.size)} stored
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
