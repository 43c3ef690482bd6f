// strata fsck [--repair] [--json]: check the store (blobs against their digests, tags against what they reach,
// leftovers of dead processes) and repair what is safe. Exit 0 when the store is consistent, 1 when not.
import { parseArgs } from 'node:util';
import { fsck, type FsckReport } from '../store/fsck.ts';
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';
import { StrataError } from '../util/errors.ts';
import { formatBytes } from './format.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

class UsageError extends StrataError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export { FSCK_USAGE } from './usage.ts';

/** fsckCmd runs `strata fsck` and returns its exit code (0 consistent, 1 problems left, 2 usage). */
export async function fsckCmd(args: string[], io: Out): Promise<number> {
  let values: { repair?: boolean; json?: boolean; quick?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { repair: { type: 'boolean' }, json: { type: 'boolean' }, quick: { type: 'boolean' } }, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Usage: strata fsck [--repair] [--json]`);
  }
  const store = await Store.open(defaultStrataHome());
  const report = await fsck(store, { repair: !!values.repair, verifyContent: !values.quick });
  // A repair may delete blobs: the explorer's file indexes of deleted layers go with them.
  if (values.repair) await (await import('../explore/index.ts')).pruneLayerIndexes(store);
  if (values.json) io.out(JSON.stringify(report, null, 2) + '\n');
  else io.out(formatReport(report, !!values.repair));
  return report.consistent ? 0 : 1;
}

/** formatReport renders a report as the lines `strata fsck` prints. */
export function formatReport(r: FsckReport, repair: boolean): string {
  const lines: string[] = [];
  lines.push(`checked ${r.blobs.count} blobs (${formatBytes(r.blobs.bytes)}), ${r.tags} tags, ${r.images} images`);
  for (const p of r.problems) {
    const action = p.repaired ? ` — repaired: ${p.repair}` : p.repair ? (repair ? ' — not repaired' : ` — --repair would ${p.repair}`) : '';
    lines.push(`${p.severity}: ${p.message}${action}`);
  }
  if (r.blobs.unreachable) lines.push(`${r.blobs.unreachable} blobs (${formatBytes(r.blobs.unreachableBytes)}) no tag reaches: strata prune frees them`);
  const left = r.problems.filter((p) => !p.repaired);
  const errors = left.filter((p) => p.severity === 'error').length;
  const fixable = left.filter((p) => p.repair).length;
  if (r.consistent) lines.push(fixable ? `store is consistent (${fixable} leftover${fixable === 1 ? '' : 's'}: strata fsck --repair removes them)` : `store is consistent${r.repaired ? ` (${r.repaired} repaired)` : ''}`);
  else lines.push(`store is NOT consistent: ${errors} error${errors === 1 ? '' : 's'}`);
  return lines.join('\n') + '\n';
}
