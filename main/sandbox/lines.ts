import { StringDecoder } from 'node:string_decoder';

/** Longest line passed on whole; a longer run without a newline is passed on in pieces of this size. */
export const MAX_LINE_CHARS = 64 * 1024;

/** LineSplitter turns a byte stream into lines (without their '\n'; a trailing '\r' is kept), decoding
 * UTF-8 across chunk boundaries, so output reaches the caller line by line as it comes. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}

  /** push feeds a chunk; every complete line in it is passed on at once. */
  push(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  /** end passes on the last line when the stream did not end with a newline. */
  end(): void {
    this.take(this.decoder.end());
    if (this.pending !== '') {
      const line = this.pending;
      this.pending = '';
      this.onLine(line);
    }
  }

  private take(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = this.pending + text.slice(start, nl);
      this.pending = '';
      start = nl + 1;
      this.emitLong(line);
    }
    this.pending += text.slice(start);
    while (this.pending.length > MAX_LINE_CHARS) {
      this.onLine(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = this.pending.slice(MAX_LINE_CHARS);
    }
  }

  private emitLong(line: string): void {
    let rest = line;
    while (rest.length > MAX_LINE_CHARS) {
      this.onLine(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.onLine(rest);
  }
}
