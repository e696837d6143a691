import { PullStream } from './pull-stream.ts';

/**
 * A live-only stream with no source of truth to re-read: it keeps at most
 * `bufferSize` unread items and drops the oldest past that, so a consumer
 * that stops pulling costs a bounded amount.
 */
export class LiveQueue<T> extends PullStream<T> {
  #items: T[] = [];
  #dropped = 0;

  constructor(
    private readonly bufferSize: number,
    signal: AbortSignal,
  ) {
    super(signal);
  }

  get dropped() {
    return this.#dropped;
  }

  /** O(1) amortised, never throws. */
  offer(item: T) {
    if (this.closed) return;
    if (this.#items.length >= this.bufferSize) {
      this.#items.shift();
      this.#dropped++;
    }
    this.#items.push(item);
    this.notify();
  }

  protected take(): T | undefined {
    return this.#items.shift();
  }
}
