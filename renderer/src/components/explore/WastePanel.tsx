import type { WasteItemView, WasteReportView } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { layerLabel, sourceLabel } from './layer-label.ts';
import { Stat } from '../Stat.tsx';

const KIND_TEXT: Record<WasteItemView['kind'], string> = { deleted: 'deleted later', overwritten: 'overwritten later', duplicate: 'duplicate' };

/** formatEfficiency prints an efficiency ratio as a percentage with one decimal ("99.1%"). */
export function formatEfficiency(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

/** WastePanel is the image's waste: efficiency, wasted bytes, the largest wasted files each charged to the
 * instruction and Dockerfile line that wrote them, the lines that waste most, and advice. */
export function WastePanel({ report, onSelectLayer }: { report: WasteReportView; onSelectLayer(index: number): void }) {
  const layer = (i: number) => report.layers[i];
  const charge = (i: number) => {
    const l = layer(i);
    const src = sourceLabel(l?.source);
    return (
      <button type="button" className="link-button xcharge" onClick={() => onSelectLayer(i)} title={l?.createdBy ?? undefined} data-testid="waste-charge" data-layer={i} data-line={l?.source?.line ?? ''}>
        <span className="xlayer__pos">#{i}</span> {src && <strong>{src}</strong>} <code>{layerLabel(l?.createdBy ?? null, 48)}</code>
      </button>
    );
  };
  return (
    <div className="xwaste" data-testid="waste-panel">
      <section className="usage xwaste__stats" aria-label="Waste">
        <Stat label="Efficiency" tone={report.efficiency >= 0.9 ? 'good' : undefined} value={formatEfficiency(report.efficiency)} hint="1 − wasted / total file bytes" testId="waste-efficiency" data={{ 'data-value': report.efficiency }} />
        <Stat label="Wasted" value={formatBytes(report.wastedBytes)} hint={`${report.wasteCount} cop${report.wasteCount === 1 ? 'y' : 'ies'}, each counted once`} testId="waste-wasted" data={{ 'data-bytes': report.wastedBytes }} />
        <Stat label="File bytes" value={formatBytes(report.totalBytes)} hint="over every layer" testId="waste-total" data={{ 'data-bytes': report.totalBytes }} />
        <Stat
          label="Above the base"
          value={formatBytes(report.userWastedBytes)}
          hint={`wasted of ${formatBytes(report.userBytes)} (${formatEfficiency(report.userWastedPercent)})`}
          testId="waste-user"
          data={{ 'data-bytes': report.userWastedBytes }}
        />
      </section>

      {report.wasteCount === 0 ? (
        <div className="placeholder" data-testid="waste-none">
          No wasted bytes: nothing is deleted, overwritten or stored twice.
        </div>
      ) : (
        <>
          <h3 className="section-title">
            Wasted files <span className="count">{report.topFiles.length < report.wasteCount ? `${report.topFiles.length} of ${report.wasteCount}` : report.wasteCount}</span>
          </h3>
          <table className="table xwaste__table" data-testid="waste-files">
            <thead>
              <tr>
                <th>Path</th>
                <th className="num">Size</th>
                <th>Why</th>
                <th>Written by</th>
              </tr>
            </thead>
            <tbody>
              {report.topFiles.map((f) => (
                <tr key={`${f.path}@${f.layer}`} data-testid="waste-file" data-path={f.path} data-size={f.size} data-kind={f.kind} data-layer={f.layer} data-line={layer(f.layer)?.source?.line ?? ''}>
                  <td>
                    <code>{f.path}</code>
                  </td>
                  <td className="num">{formatBytes(f.size)}</td>
                  <td>
                    {KIND_TEXT[f.kind]}
                    {f.kind === 'duplicate' ? (
                      <span className="muted"> of {f.original}</span>
                    ) : (
                      <span className="muted">
                        {' '}
                        by #{f.byLayer}
                        {sourceLabel(layer(f.byLayer)?.source) ? ` (${sourceLabel(layer(f.byLayer)?.source)})` : ''}
                        {f.sameContent ? ', same content' : ''}
                      </span>
                    )}
                  </td>
                  <td>{charge(f.layer)}</td>
                </tr>
              ))}
            </tbody>
          </table>

          {report.byLine.length > 0 && (
            <>
              <h3 className="section-title">By Dockerfile line</h3>
              <ul className="xwaste__lines">
                {report.byLine.map((l) => (
                  <li key={`${l.file}:${l.line}`} data-testid="waste-line" data-line={l.line} data-bytes={l.wastedBytes}>
                    <strong>
                      {l.file}:{l.line}
                    </strong>
                    <code>{layerLabel(l.createdBy, 60)}</code>
                    <span className="num">{formatBytes(l.wastedBytes)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}

          {report.advice.length > 0 && (
            <>
              <h3 className="section-title">Advice</h3>
              <ul className="xwaste__advice">
                {report.advice.map((a, i) => (
                  <li key={i} className="xadvice" data-testid="waste-advice" data-kind={a.kind} data-bytes={a.bytes}>
                    <div className="xadvice__head">
                      <strong>{formatBytes(a.bytes)}</strong>
                      {a.lines.map((l) => (
                        <span key={`${l.file}:${l.line}`} className="chip">
                          {l.file}:{l.line}
                        </span>
                      ))}
                    </div>
                    <p>{a.message}</p>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </div>
  );
}
