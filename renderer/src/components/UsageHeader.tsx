import type { StoreUsage } from '../../../preload/contract.ts';
import { formatBytes, formatPercent } from '../format/bytes.ts';
import { Stat } from './Stat.tsx';

/** UsageHeader shows the store totals: bytes on disk against the sum of image sizes, and what sharing saves. */
export function UsageHeader({ usage }: { usage: StoreUsage | null }) {
  if (!usage) {
    return <section className="usage usage--empty" aria-label="Store usage" aria-busy="true" data-testid="store-usage" />;
  }
  const ratio = usage.imagesTotal > 0 ? Math.min(1, usage.onDisk / usage.imagesTotal) : 1;
  return (
    <section className="usage" aria-label="Store usage" data-testid="store-usage">
      <Stat label="On disk" value={formatBytes(usage.onDisk)} hint={`${usage.blobs} blob${usage.blobs === 1 ? '' : 's'}`} testId="usage-on-disk" />
      <Stat
        label="Sum of image sizes"
        value={formatBytes(usage.imagesTotal)}
        hint={`${usage.images} image${usage.images === 1 ? '' : 's'}`}
        testId="usage-images-total"
      />
      <Stat
        label="Saved by sharing"
        value={formatBytes(usage.savedBySharing)}
        hint={`${formatPercent(usage.savedBySharing, usage.imagesTotal)} of the sum`}
        testId="usage-saved"
        tone="good"
      />
      <Stat label="Reclaimable" value={formatBytes(usage.unreferencedBytes)} hint="prune frees it" testId="usage-reclaimable" />
      <div
        className="usage__meter"
        role="meter"
        aria-label="On disk against the sum of image sizes"
        aria-valuemin={0}
        aria-valuemax={usage.imagesTotal}
        aria-valuenow={Math.min(usage.onDisk, usage.imagesTotal)}
        aria-valuetext={`${formatBytes(usage.onDisk)} on disk of ${formatBytes(usage.imagesTotal)}`}
      >
        <div className="usage__meter-track">
          <div className="usage__meter-disk" style={{ width: `${ratio * 100}%` }} />
        </div>
        <div className="usage__meter-legend">
          <span>
            <i className="swatch swatch--disk" /> on disk
          </span>
          <span>
            <i className="swatch swatch--saved" /> saved by sharing
          </span>
        </div>
      </div>
    </section>
  );
}
