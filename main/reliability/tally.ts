// What the reliability suite proved, counted as it goes: the summary line `npm test` prints at the end.

/** tally counts hostile inputs tried, kill points survived and fuzz inputs run (per target too). */
export const tally = {
  hostile: 0,
  killPoints: 0,
  fuzz: 0,
  fuzzByTarget: {} as Record<string, number>,
  hostileBySection: {} as Record<string, number>,
  killsByOperation: {} as Record<string, number>,
};

/** countHostile records n hostile inputs of one section. */
export function countHostile(section: string, n = 1): void {
  tally.hostile += n;
  tally.hostileBySection[section] = (tally.hostileBySection[section] ?? 0) + n;
}

/** countKill records one kill -9 point survived by an operation (build, pull, push). */
export function countKill(operation: string): void {
  tally.killPoints++;
  tally.killsByOperation[operation] = (tally.killsByOperation[operation] ?? 0) + 1;
}

/** countFuzz records the inputs one fuzz target ran. */
export function countFuzz(target: string, n: number): void {
  tally.fuzz += n;
  tally.fuzzByTarget[target] = (tally.fuzzByTarget[target] ?? 0) + n;
}

const detail = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ');

/** summaryLine is the suite's one-line result. */
export function summaryLine(): string {
  return `reliability: ${tally.hostile} hostile inputs, ${tally.killPoints} kill points, ${tally.fuzz} fuzz inputs`;
}

/** detailLine breaks the numbers down by section, operation and target. */
export function detailLine(): string {
  return `reliability detail: hostile [${detail(tally.hostileBySection)}]; kills [${detail(tally.killsByOperation)}]; fuzz [${detail(tally.fuzzByTarget)}]`;
}
