import type { SourceLineView } from '../../../../preload/contract.ts';
import { instructionOf } from '../stack-rows.ts';

/** sourceLabel names a Dockerfile line as "Dockerfile:3" (null when the image does not say). */
export function sourceLabel(source: SourceLineView | null | undefined): string | null {
  return source ? `${source.file}:${source.line}` : null;
}

/** layerLabel is a layer's instruction on one line, cut to max characters. */
export function layerLabel(createdBy: string | null, max = 80): string {
  const s = instructionOf(createdBy);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s || '(no history)';
}
