// Medians and the printed table.

/** median of a list of numbers (NaN when empty). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** seconds formats milliseconds as seconds with three decimals. */
export function seconds(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(3) : '—';
}

/** ratio formats a/b as "1.23×" (— when either is missing). */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—';
}

/** markdownTable renders rows under a header as a GitHub table. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** mbps formats a throughput (bytes in ms) as MB/s. */
export function mbps(bytes: number, ms: number): string {
  return ms > 0 && bytes > 0 ? `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s` : '—';
}
