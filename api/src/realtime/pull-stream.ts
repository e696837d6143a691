/** How a stream that re-reads a source of truth (PostgreSQL) is bounded and told of failures. */
export interface SourceStreamOptions {
  /** Live items held for a consumer that is not pulling; past this the queue is dropped and re-read. */
  bufferSize: number;
  /** Ends the stream (the socket closed). */
  signal: AbortSignal;
  /** Told when reading the source failed; the stream retries after `retryMs`. */
  onReadError(error: unknown): void;
  readBatch?: number;
  retryMs?: number;
}

export const sourceStreamDefaults = { readBatch: 500, retryMs: 1_000 };

/**
 * The base of every live stream: an async iterator the transport pulls from,
 * fed by a producer (a bus listener) that must never block and never throw.
 * Because the consumer pulls, a socket that stops reading stops the pulling,
 * and whatever the producer offers meanwhile lands in the subclass's bounded
 * buffer, never in an unbounded promise queue.
 *
 * A stream ends when it is returned, when its signal aborts (the socket
 * closed), or when `close()` is called; cleanups registered with `defer()`
 * run exactly once at that point, even if registered after it.
 */
export abstract class PullStream<T> implements AsyncIterableIterator<T> {
  #closed = false;
  #waiter: (() => void) | null = null;
  #notified = false;
  #cleanups: Array<() => void> = [];
  #retryTimer: NodeJS.Timeout | undefined;
  /** Serialises `next()` calls: the subclass's `take()` is never re-entered. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(signal: AbortSignal) {
    this.defer(() => clearTimeout(this.#retryTimer));
    if (signal.aborted) this.#closed = true;
    else {
      const onAbort = () => this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.defer(() => signal.removeEventListener('abort', onAbort));
    }
  }

  /** The next item if one is ready now (it may read the database), else undefined to wait for `notify()`. */
  protected abstract take(): Promise<T | undefined> | T | undefined;

  /** Wakes a waiting consumer; the producer calls it after changing state. */
  protected notify() {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter();
    } else this.#notified = true;
  }

  /** Wakes the consumer after `ms`, to try a failed read again. */
  protected retryLater(ms: number) {
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.notify();
    }, ms);
  }

  /** A retry is scheduled: reading again before it is due would hammer a source that is away. */
  protected get retrying() {
    return this.#retryTimer !== undefined;
  }

  get closed() {
    return this.#closed;
  }

  /** Runs `cleanup` when the stream ends, or now if it already has. */
  defer(cleanup: () => void) {
    if (this.#closed) cleanup();
    else this.#cleanups.push(cleanup);
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.notify();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const result = this.#turn.then(() => this.#pull());
    this.#turn = result.catch(() => undefined);
    return result;
  }

  async #pull(): Promise<IteratorResult<T, undefined>> {
    while (!this.#closed) {
      this.#notified = false;
      const item = await this.take();
      if (this.#closed) break;
      if (item !== undefined) return { value: item, done: false };
      // Something may have been offered while take() awaited: look again before sleeping.
      if (this.#notified) continue;
      await new Promise<void>((wake) => (this.#waiter = wake));
    }
    return { value: undefined, done: true };
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
