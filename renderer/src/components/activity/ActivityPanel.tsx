import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStrata } from '../../store/store.ts';
import { selectRunningTransfers, selectTransferActions, selectTransferOrder, selectTransfers } from '../../store/selectors.ts';
import { useNow } from '../build/use-now.ts';
import { TransferRows } from '../publish/TransferRows.tsx';

/** ActivityPanel is the top bar's list of pushes and pulls: a button with the number still running, and a
 * panel with each transfer's overall bar, its rows on demand, Cancel while it runs and Dismiss after. */
export function ActivityPanel() {
  const transfers = useStrata(selectTransfers);
  const order = useStrata(selectTransferOrder);
  const running = useStrata(selectRunningTransfers);
  const act = useStrata(useShallow(selectTransferActions));
  const [open, setOpen] = useState(false);
  const [expanded, setExpanded] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const now = useNow(open && running > 0, 500);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setOpen(false);
      }
    };
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('mousedown', onDown);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('mousedown', onDown);
    };
  }, [open]);

  const list = order.map((id) => transfers[id]).filter((t) => t !== undefined);
  const finished = list.filter((t) => t.phase !== 'running');
  return (
    <div className="activity" ref={root}>
      <button
        type="button"
        className={`button activity__button${running ? ' is-busy' : ''}`}
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen(!open)}
        data-testid="activity-button"
        data-running={running}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" className={running ? 'activity__icon is-busy' : 'activity__icon'}>
          <path d="M12 19V5" />
          <path d="m6 11 6-6 6 6" />
        </svg>
        Activity
        {list.length > 0 && (
          <span className={`activity__count${running ? ' is-running' : ''}`} data-testid="activity-count">
            {running || list.length}
          </span>
        )}
      </button>
      {open && (
        <div className="activity__panel" role="dialog" aria-label="Transfers" data-testid="activity-panel">
          <div className="activity__head">
            <strong>Transfers</strong>
            <span className="muted">{running ? `${running} running` : 'none running'}</span>
            {finished.length > 0 && (
              <button type="button" className="link-button" onClick={() => finished.forEach((t) => act.dismiss(t.id))} data-testid="activity-clear">
                Clear finished
              </button>
            )}
          </div>
          {list.length === 0 ? (
            <p className="placeholder">No pushes or pulls yet. Publish an image from its Publish tab.</p>
          ) : (
            <ul className="activity__list">
              {list.map((t) => (
                <li key={t.id} className="activity__item" data-testid="activity-item" data-transfer-id={t.id} data-phase={t.phase}>
                  <TransferRows transfer={t} now={now} compact={expanded !== t.id} onCancel={() => void act.cancel(t.id)} />
                  <div className="activity__item-actions">
                    <button type="button" className="link-button" onClick={() => setExpanded(expanded === t.id ? null : t.id)} aria-expanded={expanded === t.id} data-testid="activity-toggle">
                      {expanded === t.id ? 'Hide layers' : 'Show layers'}
                    </button>
                    {t.phase !== 'running' && (
                      <button type="button" className="link-button" onClick={() => act.dismiss(t.id)} data-testid="activity-dismiss">
                        Dismiss
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
