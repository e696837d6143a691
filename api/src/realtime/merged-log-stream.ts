import { PullStream, sourceStreamDefaults, type SourceStreamOptions } from './pull-stream.ts';

/** One item of one of many ordered logs (a message of a conversation). */
export interface LogEntry {
  log: number;
  seq: number;
  /** When it was written, stamped under its log's lock: never decreasing within a log (ms). */
  at: number;
  /**
   * Set on an entry a later entry of the same key may stand in for (a changed message's state):
   * while both wait in the live queue, the reader gets only the later one.
   */
  supersedes?: string;
}

/**
 * How far a reader of many logs has got: every entry written at or before
 * `watermark − skew`, and in each log of `logs` every entry up to its seq.
 * Only logs with entries inside the skew window need listing, so the position
 * of a reader of 10,000 conversations stays as small as its recent activity.
 */
export interface MergedPosition {
  watermark: number;
  logs: Map<number, { seq: number; at: number }>;
}

export type StreamItem<E extends LogEntry, T> =
  { type: 'entry'; entry: E; cursor: string } | { type: 'event'; event: T };

export interface MergedLogStreamOptions<E extends LogEntry> extends SourceStreamOptions {
  /**
   * Entries written after `since` (ms), ordered by (at, log, seq), after the
   * keyset `after`, at most `limit`; only log `log` when given.
   */
  readSince(since: number, after: LogEntry | null, limit: number, log?: number): Promise<E[]>;
  /** The longest a write can take from its timestamp to its commit (ms), with a wide margin. */
  skewMs: number;
}

/**
 * Every entry of many ordered logs after a `MergedPosition`, each exactly
 * once, and in order within each log, merged with pass-through events — one
 * resumable stream over all of a user's conversations.
 *
 * The bus is at-most-once and may reorder: a live entry right after its log's
 * position is delivered; an old one is dropped; one past a gap, or of a log
 * the stream has not seen yet, makes it re-read that log from the source. A
 * resync (the bus lost events) or an overflow of the bounded live queue (the
 * reader stopped reading) re-reads every log from the watermark minus the skew.
 * Pass-through events (read receipts, membership) are live only: an overflow
 * drops them along with the queued entries.
 *
 * Correctness rests on one bound: a write commits within `skewMs` of its
 * timestamp (sends are single statements under a statement timeout of a few
 * seconds; the skew is a minute), so nothing stamped at or before
 * `watermark − skew` can still appear.
 */
type LiveItem<E, T> = { type: 'entry'; entry: E; superseded?: true } | { type: 'event'; event: T };

export class MergedLogStream<E extends LogEntry, T> extends PullStream<StreamItem<E, T>> {
  readonly #position: MergedPosition;
  #live: Array<LiveItem<E, T>> = [];
  /** Items of `#live` not superseded: what counts against the buffer. */
  #waiting = 0;
  /** The newest queued entry of each `supersedes` key. */
  #queuedStates = new Map<string, { type: 'entry'; entry: E; superseded?: true }>();
  /** Per log, the seqs of queued entries superseded by a later one: the reader skips them. */
  #superseded = new Map<number, Set<number>>();
  #backlog: E[] = [];
  /** A full re-read from the watermark is due, resumed from this keyset. */
  #fullRead: { after: LogEntry | null } | null = null;
  // The two below are rarely needed: made on first use, as every idle socket holds a stream.
  /** Logs to re-read on their own (a gap, or a first sight of the log). */
  #logReads: Set<number> | undefined;
  /** Logs whose entries past a seq must not be delivered (the reader was removed from them). */
  #closedLogs: Map<number, number> | undefined;
  #overflows = 0;
  readonly #options: Required<MergedLogStreamOptions<E>>;

  constructor(options: MergedLogStreamOptions<E>, start: MergedPosition) {
    super(options.signal);
    this.#options = { ...sourceStreamDefaults, ...options };
    this.#position = { watermark: start.watermark, logs: new Map(start.logs) };
    // Whatever was written since the start position and before the bus subscription is read first.
    this.#fullRead = { after: null };
  }

  get overflows() {
    return this.#overflows;
  }

  /** A live entry from the bus. O(1), never throws, never grows past `bufferSize`. */
  offerEntry(entry: E) {
    if (!this.closed && this.#isNew(entry)) this.#enqueue({ type: 'entry', entry });
  }

  /** A live pass-through event. */
  offerEvent(event: T) {
    if (!this.closed) this.#enqueue({ type: 'event', event });
  }

  /** The reader left log `log` at `seq`: nothing after it is delivered until `reopenLog`. */
  closeLog(log: number, seq: number) {
    (this.#closedLogs ??= new Map()).set(log, seq);
  }

  reopenLog(log: number) {
    if (this.#closedLogs?.delete(log)) this.#readLog(log);
    this.notify();
  }

  /** Events may have been lost (the bus reconnected): re-read every log from the watermark. */
  resync() {
    this.#fullRead = { after: null };
    this.notify();
  }

  #readLog(log: number) {
    (this.#logReads ??= new Set()).add(log);
  }

  #enqueue(item: LiveItem<E, T>) {
    if (this.#waiting >= this.#options.bufferSize) {
      this.#clearLive();
      this.#fullRead = { after: null };
      this.#overflows++;
    } else {
      if (item.type === 'entry' && item.entry.supersedes !== undefined) this.#supersede(item);
      this.#live.push(item);
      this.#waiting++;
    }
    this.notify();
  }

  /**
   * A newer state of a changed message while an older one still waits: the older one is
   * skipped, so a reader that falls behind a storm of reactions gets the last state once
   * instead of every step, and its position passes the skipped seq as if it were delivered.
   */
  #supersede(item: { type: 'entry'; entry: E; superseded?: true }) {
    const key = item.entry.supersedes!;
    const queued = this.#queuedStates.get(key);
    if (!queued || queued.entry.log !== item.entry.log) {
      this.#queuedStates.set(key, item);
      return;
    }
    // The bus may reorder: whichever of the two is older is the one skipped.
    const [older, newer] = queued.entry.seq < item.entry.seq ? [queued, item] : [item, queued];
    this.#queuedStates.set(key, newer);
    older.superseded = true;
    this.#waiting--;
    let seqs = this.#superseded.get(older.entry.log);
    if (!seqs) this.#superseded.set(older.entry.log, (seqs = new Set()));
    seqs.add(older.entry.seq);
  }

  #clearLive() {
    this.#live = [];
    this.#waiting = 0;
    this.#queuedStates.clear();
    this.#superseded.clear();
  }

  /** The seq that follows `seq` in `log` for this reader: superseded ones are passed over. */
  #nextSeq(log: number, seq: number): number {
    const skipped = this.#superseded.get(log);
    let next = seq + 1;
    while (skipped?.has(next)) next++;
    return next;
  }

  #isNew(entry: E): boolean {
    const closedAt = this.#closedLogs?.get(entry.log);
    if (closedAt !== undefined && entry.seq > closedAt) return false;
    const known = this.#position.logs.get(entry.log);
    return known ? entry.seq > known.seq : entry.at > this.#position.watermark - this.#options.skewMs;
  }

  #advance(entry: E): StreamItem<E, T> {
    this.#position.logs.set(entry.log, { seq: entry.seq, at: entry.at });
    const skipped = this.#superseded.get(entry.log);
    if (skipped) {
      for (const seq of skipped) if (seq <= entry.seq) skipped.delete(seq);
      if (skipped.size === 0) this.#superseded.delete(entry.log);
    }
    this.#position.watermark = Math.max(this.#position.watermark, entry.at);
    return { type: 'entry', entry, cursor: encodePosition(this.#position, this.#options.skewMs) };
  }

  protected async take(): Promise<StreamItem<E, T> | undefined> {
    for (;;) {
      const stored = this.#backlog.shift();
      if (stored) {
        if (this.#isNew(stored)) return this.#advance(stored);
        continue;
      }
      if (this.#fullRead || this.#logReads?.size) {
        if (this.retrying) return undefined;
        if (!(await this.#read())) return undefined;
        continue;
      }
      const live = this.#live.shift();
      if (!live) return undefined;
      if (live.type === 'event') {
        this.#waiting--;
        return live;
      }
      if (live.superseded) continue;
      this.#waiting--;
      const { entry } = live;
      if (entry.supersedes !== undefined && this.#queuedStates.get(entry.supersedes) === live)
        this.#queuedStates.delete(entry.supersedes);
      if (!this.#isNew(entry)) continue;
      const known = this.#position.logs.get(entry.log);
      if (entry.seq === this.#nextSeq(entry.log, known ? known.seq : 0)) return this.#advance(entry);
      // A gap, or a log not seen yet whose earlier entries may be missing: read it from the source.
      this.#readLog(entry.log);
    }
  }

  /** Fills the backlog from the source; false when the read failed and a retry is scheduled. */
  async #read(): Promise<boolean> {
    const { readBatch, skewMs } = this.#options;
    const since = this.#position.watermark - skewMs;
    try {
      if (this.#fullRead) {
        const { after } = this.#fullRead;
        const entries = await this.#options.readSince(since, after, readBatch);
        this.#fullRead = entries.length === readBatch ? { after: entries.at(-1)! } : null;
        this.#backlog = entries;
        // A full read covers every log: reading them one by one as well is not needed.
        if (!this.#fullRead) this.#logReads = undefined;
      } else {
        const log = this.#logReads!.values().next().value!;
        const known = this.#position.logs.get(log);
        // From the log's own position when known, else from the window's start.
        const after = known ? { log, seq: known.seq, at: known.at } : null;
        const entries = await this.#options.readSince(
          known ? Math.min(since, known.at - 1) : since,
          after,
          readBatch,
          log,
        );
        if (entries.length < readBatch) this.#logReads!.delete(log);
        this.#backlog = entries;
      }
      return true;
    } catch (error) {
      this.#options.onReadError(error);
      this.retryLater(this.#options.retryMs);
      return false;
    }
  }
}

/** The position as an opaque cursor, listing only logs inside the skew window. */
export function encodePosition(position: MergedPosition, skewMs: number): string {
  const floor = position.watermark - skewMs;
  const logs = [...position.logs]
    .filter(([, { at }]) => at > floor)
    .map(([log, { seq, at }]) => `${log}.${seq}.${at}`);
  return Buffer.from(`v1:${position.watermark}:${logs.join(',')}`).toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this server gave out. */
export function decodePosition(cursor: string): MergedPosition | null {
  if (cursor.length > 200_000) return null;
  const match = /^v1:(\d{1,15}):((?:\d{1,9}\.\d{1,9}\.\d{1,15})(?:,\d{1,9}\.\d{1,9}\.\d{1,15})*)?$/.exec(
    Buffer.from(cursor, 'base64url').toString(),
  );
  if (!match) return null;
  const logs = new Map<number, { seq: number; at: number }>();
  for (const item of match[2]?.split(',') ?? []) {
    const [log, seq, at] = item.split('.').map(Number) as [number, number, number];
    logs.set(log, { seq, at });
  }
  return { watermark: Number(match[1]), logs };
}
