import type { PushPlanView } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { shortDigest } from '../../format/digest.ts';
import { PLAN_TEXT } from './format-transfer.ts';

/** planCounts sums a plan by action. */
export function planCounts(plan: PushPlanView): Record<'exists' | 'mount' | 'upload', number> {
  const out = { exists: 0, mount: 0, upload: 0 };
  for (const b of plan.blobs) out[b.action]++;
  return out;
}

/** PlanTable is a push's dry run: per blob, whether the registry has it, can mount it from another
 * repository, or needs it uploaded; and the bytes an upload will send. */
export function PlanTable({ plan }: { plan: PushPlanView }) {
  const n = planCounts(plan);
  let layerNo = 0;
  return (
    <div className="plan" data-testid="push-plan">
      <div className="plan__summary" data-testid="plan-summary">
        <span className="plan__stat">
          <strong data-testid="plan-exists">{n.exists}</strong> already there
        </span>
        <span className="plan__stat">
          <strong data-testid="plan-mount">{n.mount}</strong> mountable
        </span>
        <span className="plan__stat">
          <strong data-testid="plan-upload">{n.upload}</strong> to upload
        </span>
        <span className="plan__bytes">
          <strong data-testid="plan-bytes">{formatBytes(plan.bytesToUpload)}</strong> to send of {formatBytes(plan.bytesTotal)}
        </span>
      </div>
      <table className="table plan__table" aria-label="Push plan">
        <colgroup>
          <col className="col-role" />
          <col />
          <col className="col-num" />
          <col className="col-action" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Blob</th>
            <th scope="col">Digest</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {plan.blobs.map((b) => (
            <tr key={b.digest} data-testid="plan-blob" data-digest={b.digest} data-action={b.action}>
              <td>{b.role === 'config' ? 'config' : `layer ${++layerNo}`}</td>
              <td className="mono" title={b.digest}>
                {shortDigest(b.digest)}
              </td>
              <td className="num">{formatBytes(b.size)}</td>
              <td>
                <span className={`state-badge state-badge--plan-${b.action}`} title={b.from ? `from ${b.from}` : undefined}>
                  {PLAN_TEXT[b.action]}
                  {b.from ? ` from ${b.from}` : ''}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="plan__refs muted">
        Names to put: {plan.references.map((r) => <code key={r}>{r}</code>)}
      </p>
    </div>
  );
}
