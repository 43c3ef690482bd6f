/** BandScale bounds a band's height in pixels. */
export interface BandScale {
  min: number;
  max: number;
  /** How many powers of ten below the largest layer still grow a band; smaller ones get the minimum. */
  decades: number;
}

export const STACK_SCALE: BandScale = { min: 46, max: 128, decades: 4 };

/** bandHeight sizes a layer's band by its bytes on a log scale against the largest layer shown, with a
 * minimum so a 100-byte layer stays visible (and readable) beside a 100 MB one. */
export function bandHeight(size: number, largest: number, scale: BandScale = STACK_SCALE): number {
  if (!(largest > 0) || !(size > 0)) return scale.min;
  const top = Math.log10(largest);
  const floor = top - scale.decades;
  const t = Math.min(1, Math.max(0, (Math.log10(size) - floor) / (top - floor)));
  return Math.round(scale.min + (scale.max - scale.min) * t);
}
