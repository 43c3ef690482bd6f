import type { ImageComparison } from '../../../../preload/contract.ts';
import { formatBytes, formatPercent } from '../../format/bytes.ts';

/** CompareMatrix is the pairwise view for many images: each cell the layer bytes two images share, tinted
 * by how much of the smaller image that is; the diagonal is each image's own layer bytes. */
export function CompareMatrix({ comparison: c, names }: { comparison: ImageComparison; names: readonly string[] }) {
  return (
    <div className="matrix-wrap">
      <table className="table matrix" aria-label="Shared bytes between each pair of images" data-testid="compare-matrix">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Image</span>
            </th>
            {c.images.map((img, j) => (
              <th key={img.digest} scope="col" className="num matrix__col" title={img.reference ?? img.digest}>
                {names[j]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {c.matrix.map((row, i) => (
            <tr key={c.images[i]?.digest ?? i}>
              <th scope="row" title={c.images[i]?.reference ?? undefined}>
                {names[i]}
              </th>
              {row.map((bytes, j) => {
                const own = i === j;
                const smaller = Math.min(c.matrix[i]?.[i] ?? 0, c.matrix[j]?.[j] ?? 0);
                const share = smaller > 0 ? bytes / smaller : 0;
                return (
                  <td
                    key={j}
                    className={`num matrix__cell${own ? ' matrix__cell--own' : ''}`}
                    style={own ? undefined : { backgroundColor: `color-mix(in srgb, var(--shared) ${Math.round(share * 45)}%, transparent)` }}
                    title={own ? `${names[i]}: ${formatBytes(bytes)} of layers` : `${names[i]} and ${names[j]} share ${formatBytes(bytes)} (${formatPercent(bytes, smaller)} of the smaller)`}
                    data-testid="matrix-cell"
                    data-row={i}
                    data-col={j}
                    data-bytes={bytes}
                  >
                    {own ? <span className="muted">{formatBytes(bytes)}</span> : formatBytes(bytes)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
