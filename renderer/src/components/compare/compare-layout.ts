import type { ImageComparison } from '../../../../preload/contract.ts';
import { bandHeight, type BandScale } from '../band-scale.ts';

/** ComparePiece is one drawn band: a layer across a run of adjacent columns (a shared layer whose images
 * are not adjacent is drawn as several pieces on the same row). */
export interface ComparePiece {
  band: number;
  digest: string;
  /** Row from the bottom (0 = the bases). */
  row: number;
  /** First display column and how many it spans. */
  col: number;
  span: number;
  /** The images (comparison indexes) that have this layer. */
  images: number[];
}

export interface CompareLayout {
  /** Comparison image indexes in display order (images that share bases side by side). */
  order: number[];
  /** Row heights in pixels, bottom row first. */
  heights: number[];
  pieces: ComparePiece[];
}

export const COMPARE_SCALE: BandScale = { min: 44, max: 120, decades: 4 };

function compareLayers(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** compareLayout places the engine's bands (bottom-up, each with the images that have it) in a grid: columns
 * ordered so images with a common base sit together, each band on the lowest row free in all its columns,
 * so every image's layers stay in order and a shared layer is one band across the columns that share it. */
export function compareLayout(c: Pick<ImageComparison, 'images' | 'bands'>, scale: BandScale = COMPARE_SCALE): CompareLayout {
  // Sorting by the layer lists puts images with common prefixes (bases) next to each other.
  const order = c.images.map((_, i) => i).sort((a, b) => compareLayers(c.images[a]?.layers ?? [], c.images[b]?.layers ?? []) || a - b);
  const position = new Map(order.map((img, pos) => [img, pos]));
  const height = order.map(() => 0);
  const largest = Math.max(0, ...c.bands.map((b) => b.size));
  const heights: number[] = [];
  const pieces: ComparePiece[] = [];
  c.bands.forEach((band, i) => {
    const cols = band.columns.map((img) => position.get(img)).filter((p): p is number => p !== undefined).sort((a, b) => a - b);
    if (!cols.length) return;
    const row = Math.max(...cols.map((p) => height[p] ?? 0));
    for (const p of cols) height[p] = row + 1;
    heights[row] = Math.max(heights[row] ?? 0, bandHeight(band.size, largest, scale));
    // Runs of adjacent columns become one piece each.
    let start = cols[0] as number;
    let prev = start;
    for (const p of [...cols.slice(1), Number.NaN]) {
      if (p === prev + 1) {
        prev = p;
        continue;
      }
      pieces.push({ band: i, digest: band.digest, row, col: start, span: prev - start + 1, images: [...band.columns].sort((a, b) => a - b) });
      start = prev = p;
    }
  });
  return { order, heights: Array.from({ length: heights.length }, (_, r) => heights[r] ?? scale.min), pieces };
}
