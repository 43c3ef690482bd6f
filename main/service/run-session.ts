import type { RunExitEvent, RunOutputEvent, SerializedError } from '../../preload/contract.ts';

/** Most lines one 'run/output' event carries; more within one interval are counted as dropped. */
export const MAX_RUN_LINES_PER_FLUSH = 1000;
/** Most characters one 'run/output' event carries (keeps every WebSocket message small). */
export const MAX_RUN_CHARS_PER_FLUSH = 256 * 1024;

/** RunSession batches one image run's output into 'run/output' events (every ~100 ms, like build status)
 * and ends with one 'run/exit'. It keeps nothing but the pending batch: output is bounded per flush, and a
 * program that prints faster than that loses lines, counted in `dropped`. */
export class RunSession {
  private lines: RunOutputEvent['lines'] = [];
  private chars = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    readonly runId: string,
    private readonly sinks: { output: (e: RunOutputEvent) => void; exit: (e: RunExitEvent) => void },
    private readonly intervalMs = 100,
  ) {}

  /** output takes one line of the program's stdout or stderr. */
  output(stream: 'stdout' | 'stderr', line: string): void {
    if (this.ended) return;
    if (this.lines.length >= MAX_RUN_LINES_PER_FLUSH || this.chars + line.length > MAX_RUN_CHARS_PER_FLUSH) {
      this.dropped++;
    } else {
      this.lines.push({ stream, line });
      this.chars += line.length;
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** exit flushes the output left and sends how the run ended (once). */
  exit(end: { exitCode: number; signal?: string } | { error: SerializedError }, durationMs: number): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.sinks.exit({ runId: this.runId, durationMs, ...end });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.lines.length && !this.dropped) return;
    const e: RunOutputEvent = { runId: this.runId, lines: this.lines };
    if (this.dropped) e.dropped = this.dropped;
    this.lines = [];
    this.chars = 0;
    this.dropped = 0;
    this.sinks.output(e);
  }
}
