import { PullStream, sourceStreamDefaults, type SourceStreamOptions } from './pull-stream.ts';

/** One item of an ordered log: positions are 1, 2, 3… with no holes, in commit order. */
export interface Sequenced {
  seq: number;
}

export interface OrderedStreamOptions<T extends Sequenced> extends SourceStreamOptions {
  /** The source of truth: stored items after `seq`, oldest first, at most `limit`. */
  readAfter(seq: number, limit: number): Promise<T[]>;
}

/**
 * Every item of an ordered log after a starting position, each exactly once,
 * in order: the stored backlog first, then live items as the bus offers them.
 *
 * The bus is at-most-once and may reorder, so every live item is checked
 * against the cursor: an old one is dropped, one past a gap makes the stream
 * re-read the gap from the source, as does `resync()` after the bus lost
 * events. Flow control falls out of the same rule: when the consumer stops
 * pulling and the live queue reaches `bufferSize`, the queue is dropped and
 * the stream re-reads from its cursor once the consumer is back, so a slow
 * reader costs at most `bufferSize` items however long it stalls.
 */
export class OrderedStream<T extends Sequenced> extends PullStream<T> {
  #cursor: number | null = null;
  #live: T[] = [];
  #backlog: T[] = [];
  #readNeeded = false;
  #overflows = 0;
  readonly #options: Required<OrderedStreamOptions<T>>;

  constructor(options: OrderedStreamOptions<T>) {
    super(options.signal);
    this.#options = { ...sourceStreamDefaults, ...options };
  }

  /**
   * Sets the position to resume after. Until then live items are only queued,
   * so a caller can attach the stream to the bus first and read the position
   * second, and lose nothing committed in between.
   */
  start(afterSeq: number, { readFirst }: { readFirst: boolean }) {
    this.#cursor = afterSeq;
    if (readFirst) this.#readNeeded = true;
    this.notify();
  }

  /** The position of the last item handed to the consumer. */
  get cursor() {
    return this.#cursor;
  }

  /** How often the live queue overflowed and was replaced by a re-read. */
  get overflows() {
    return this.#overflows;
  }

  /** A live item from the bus. O(1), never throws, never grows past `bufferSize`. */
  offer(item: T) {
    if (this.closed || (this.#cursor !== null && item.seq <= this.#cursor)) return;
    if (this.#live.length >= this.#options.bufferSize) {
      this.#live = [];
      this.#readNeeded = true;
      this.#overflows++;
    } else this.#live.push(item);
    this.notify();
  }

  /** Events may have been lost (the bus reconnected): re-read from the cursor. */
  resync() {
    this.#readNeeded = true;
    this.notify();
  }

  /** True when everything offered so far has been handed to the consumer. */
  get settled() {
    return this.#live.length === 0 && this.#backlog.length === 0 && !this.#readNeeded;
  }

  protected async take(): Promise<T | undefined> {
    if (this.#cursor === null) return undefined;
    for (;;) {
      const stored = this.#backlog.shift();
      if (stored) {
        if (stored.seq <= this.#cursor) continue;
        this.#cursor = stored.seq;
        return stored;
      }
      if (this.#readNeeded) {
        if (this.retrying) return undefined;
        this.#readNeeded = false;
        try {
          this.#backlog = await this.#options.readAfter(this.#cursor, this.#options.readBatch);
        } catch (error) {
          this.#options.onReadError(error);
          this.#readNeeded = true;
          this.retryLater(this.#options.retryMs);
          return undefined;
        }
        if (this.#backlog.length === this.#options.readBatch) this.#readNeeded = true;
        continue;
      }
      const live = this.#live.shift();
      if (!live) return undefined;
      if (live.seq <= this.#cursor) continue;
      if (live.seq !== this.#cursor + 1) {
        this.#readNeeded = true;
        continue;
      }
      this.#cursor = live.seq;
      return live;
    }
  }
}
