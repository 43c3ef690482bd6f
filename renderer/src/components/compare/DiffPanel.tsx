import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ConfigDiffView } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { shortDigest } from '../../format/digest.ts';
import type { DiffChangeFilter } from '../../store/diff-slice.ts';
import { selectDiffActions, selectDiffState } from '../../store/selectors.ts';
import { useStrata } from '../../store/store.ts';
import { ErrorBanner } from '../ErrorBanner.tsx';
import { Stat } from '../Stat.tsx';

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v || '""' : JSON.stringify(v));
const configKey = (c: ConfigDiffView) => (c.key !== undefined ? `${c.field} ${c.key}` : c.field);

/** DiffPanel lists what differs between two of the picked images: files added, removed and changed (by
 * content checksum), the layers they have in common, and their runtime config. */
export function DiffPanel({ digests, names }: { digests: string[]; names: Record<string, string> }) {
  const [a, setA] = useState(digests[0] ?? '');
  const [b, setB] = useState(digests[1] ?? '');
  const st = useStrata(useShallow(selectDiffState));
  const act = useStrata(useShallow(selectDiffActions));
  // Keep A and B among the picked images.
  const pa = digests.includes(a) ? a : (digests[0] ?? '');
  const pb = digests.includes(b) && b !== pa ? b : (digests.find((d) => d !== pa) ?? '');
  useEffect(() => {
    if (pa && pb) void act.run(pa, pb);
  }, [pa, pb, act]);
  const d = st.diff && st.pair?.[0] === pa && st.pair?.[1] === pb ? st.diff : null;
  const files = useMemo(() => (d ? (st.filter === 'all' ? d.files : d.files.filter((f) => f.change === st.filter)) : []), [d, st.filter]);
  const name = (digest: string) => names[digest] ?? shortDigest(digest);

  return (
    <div className="diff" data-testid="diff-panel">
      <div className="diff__pick">
        <label>
          <span className="muted">A</span>
          <select className="input" value={pa} onChange={(e) => setA(e.target.value)} data-testid="diff-a">
            {digests.map((x) => (
              <option key={x} value={x}>
                {name(x)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button button--small" onClick={() => { setA(pb); setB(pa); }} title="Swap A and B" data-testid="diff-swap">
          ⇄
        </button>
        <label>
          <span className="muted">B</span>
          <select className="input" value={pb} onChange={(e) => setB(e.target.value)} data-testid="diff-b">
            {digests.filter((x) => x !== pa).map((x) => (
              <option key={x} value={x}>
                {name(x)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {st.error && <ErrorBanner title="Could not diff these images" error={st.error} onRetry={() => void act.run(pa, pb)} />}
      {!d ? (
        !st.error && (
          <div className="placeholder" aria-busy="true">
            Diffing…
          </div>
        )
      ) : (
        <>
          <section className="usage diff__stats" aria-label="Differences" data-testid="diff-summary">
            <Stat label="Added" value={d.summary.added} hint={formatBytes(d.summary.addedBytes)} testId="diff-added" data={{ 'data-count': d.summary.added }} />
            <Stat label="Removed" value={d.summary.removed} hint={formatBytes(d.summary.removedBytes)} testId="diff-removed" data={{ 'data-count': d.summary.removed }} />
            <Stat label="Changed" value={d.summary.changed} hint={`${formatBytes(d.summary.changedBytes)} now`} testId="diff-changed" data={{ 'data-count': d.summary.changed }} />
            <Stat
              label="Layers in common"
              tone="good"
              value={d.commonLayers.length}
              hint={`${d.sharedPrefix} shared from the bottom · of ${d.a.layers} and ${d.b.layers}`}
              testId="diff-common"
              data={{ 'data-count': d.commonLayers.length }}
            />
          </section>

          <h3 className="section-title">Config</h3>
          {d.config.length === 0 ? (
            <p className="muted diff__none" data-testid="diff-config-same">
              Same Env, Cmd, Entrypoint, User, WorkingDir, ports and labels.
            </p>
          ) : (
            <table className="table diff__table" data-testid="diff-config">
              <thead>
                <tr>
                  <th>Setting</th>
                  <th>A</th>
                  <th>B</th>
                </tr>
              </thead>
              <tbody>
                {d.config.map((c) => (
                  <tr key={configKey(c)} data-testid="diff-config-row" data-field={c.field} data-key={c.key ?? ''}>
                    <td>{configKey(c)}</td>
                    <td>
                      <code>{show(c.a)}</code>
                    </td>
                    <td>
                      <code>{show(c.b)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h3 className="section-title">
            Files <span className="count">{d.filesTotal}</span>
            <span className="segmented diff__filter" role="radiogroup" aria-label="Show changes">
              {(['all', 'added', 'removed', 'changed'] as DiffChangeFilter[]).map((f) => (
                <button key={f} type="button" role="radio" aria-checked={st.filter === f} className={`segmented__item${st.filter === f ? ' is-active' : ''}`} onClick={() => act.setFilter(f)} data-testid={`diff-filter-${f}`}>
                  {f}
                </button>
              ))}
            </span>
          </h3>
          {files.length === 0 ? (
            <p className="muted diff__none">{d.filesTotal === 0 ? 'The two filesystems are the same.' : 'None of these.'}</p>
          ) : (
            <table className="table diff__table" data-testid="diff-files">
              <thead>
                <tr>
                  <th>Path</th>
                  <th>Change</th>
                  <th className="num">A</th>
                  <th className="num">B</th>
                </tr>
              </thead>
              <tbody>
                {files.map((f) => (
                  <tr key={`${f.path}:${f.change}`} className={`diff__row diff__row--${f.change}`} data-testid="diff-file" data-path={f.path} data-change={f.change} data-what={(f.what ?? []).join(',')}>
                    <td>
                      <code>{f.path}</code>
                    </td>
                    <td>
                      <span className={`diff__mark diff__mark--${f.change}`}>{f.change}</span>
                      {f.what && f.what.length > 0 && <span className="muted"> ({f.what.join(', ')})</span>}
                    </td>
                    <td className="num">{f.sizeA === null ? '' : f.typeA === 'dir' ? 'dir' : formatBytes(f.sizeA)}</td>
                    <td className="num">{f.sizeB === null ? '' : f.typeB === 'dir' ? 'dir' : formatBytes(f.sizeB)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {d.files.length < d.filesTotal && (
            <p className="hint">
              {d.files.length} of {d.filesTotal} differences listed.{' '}
              <button type="button" className="link-button" onClick={() => void act.more()} disabled={st.loading} data-testid="diff-more">
                Show more
              </button>
            </p>
          )}
        </>
      )}
    </div>
  );
}
