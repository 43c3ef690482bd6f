const STEPS: [number, string][] = [
  [60 * 60 * 24 * 365, 'year'],
  [60 * 60 * 24 * 30, 'month'],
  [60 * 60 * 24 * 7, 'week'],
  [60 * 60 * 24, 'day'],
  [60 * 60, 'hour'],
  [60, 'minute'],
];

/** formatAgo prints a timestamp relative to now, as `docker images` does ("3 days ago"). */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now - t) / 1000));
  for (const [secs, name] of STEPS) {
    const n = Math.floor(s / secs);
    if (n >= 1) return `${n} ${name}${n > 1 ? 's' : ''} ago`;
  }
  return s < 2 ? 'just now' : `${s} seconds ago`;
}

/** formatTimestamp prints an ISO time in full for tooltips ("N/A" when absent or unparsable). */
export function formatTimestamp(iso: string | null): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 'N/A' : new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
