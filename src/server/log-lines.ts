/**
 * Where `perimeter serve`'s log lines go: gathered in memory and handed to pino's own destination
 * (sonic-boom, which does the writing: partial writes, EAGAIN, a closed descriptor) a batch at a
 * time (`serve` sets 16 KiB), instead of one write per review.
 *
 * Why not sonic-boom's own `minLength` buffering: it appends each line to one growing string and
 * measures that string's UTF-8 length on every write, which copies the whole buffer each time
 * (1.1 µs per decision line in a loop, against 0.2 µs for gathering lines in a list and joining
 * them once). All of the server's lines pass through here, so they stay in the order written.
 */

/** What the lines are handed to: pino's destination (sonic-boom, synchronous). */
export interface LineSink {
  write(chunk: string): unknown;
  flushSync(): void;
}

interface BatchedLinesOptions {
  /** Lines are handed on once this many characters have gathered. */
  readonly batchChars: number;
  /** And at least this often, so that a quiet server's lines do not wait for the next ones. */
  readonly flushMs: number;
}

export class BatchedLines {
  readonly #sink: LineSink;
  readonly #batchChars: number;
  readonly #timer: NodeJS.Timeout;
  #pending: string[] = [];
  #pendingChars = 0;
  #closed = false;

  constructor(sink: LineSink, options: BatchedLinesOptions) {
    this.#sink = sink;
    this.#batchChars = options.batchChars;
    this.#timer = setInterval(() => this.flush(), options.flushMs);
    // The timer alone must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /** pino's destination interface: one serialized line, newline included. */
  write(line: string): void {
    // After close nothing would flush a gathered line again: a late one goes straight through.
    if (this.#closed) {
      this.#sink.write(line);
      return;
    }
    this.#pending.push(line);
    this.#pendingChars += line.length;
    if (this.#pendingChars >= this.#batchChars) this.flush();
  }

  /**
   * Hands the gathered lines to the sink as one chunk. With a callback (pino's `logger.flush(cb)`
   * passes one), also waits until the sink has written everything out, then calls it.
   */
  flush(callback?: (error?: Error) => void): void {
    if (callback !== undefined) {
      this.flushSync();
      callback();
      return;
    }
    if (this.#pending.length === 0) return;
    const chunk = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    this.#sink.write(chunk);
  }

  /** Hands on the gathered lines and waits until the sink has written everything out. */
  flushSync(): void {
    this.flush();
    this.#sink.flushSync();
  }

  /** Flushes and stops the periodic flush; lines written after that are handed on one by one. */
  close(): void {
    clearInterval(this.#timer);
    this.#closed = true;
    this.flushSync();
  }
}
