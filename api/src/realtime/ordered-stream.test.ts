import { describe, expect, it } from 'vitest';
import { LiveQueue } from './live-queue.ts';
import { OrderedStream } from './ordered-stream.ts';

interface Item {
  seq: number;
}

/** A stored log 1..n standing in for PostgreSQL, counting the reads a stream makes. */
function storedLog(length: number) {
  const items: Item[] = Array.from({ length }, (_, index) => ({ seq: index + 1 }));
  const log = {
    items,
    reads: 0,
    failNext: 0,
    readAfter: (seq: number, limit: number) => {
      log.reads++;
      if (log.failNext > 0) {
        log.failNext--;
        return Promise.reject(new Error('database away'));
      }
      return Promise.resolve(items.filter((item) => item.seq > seq).slice(0, limit));
    },
    append: () => {
      const item = { seq: items.length + 1 };
      items.push(item);
      return item;
    },
  };
  return log;
}

function streamOver(
  log: ReturnType<typeof storedLog>,
  options: { bufferSize?: number; readBatch?: number } = {},
) {
  const lifetime = new AbortController();
  const errors: unknown[] = [];
  const stream = new OrderedStream<Item>({
    readAfter: log.readAfter,
    bufferSize: options.bufferSize ?? 16,
    readBatch: options.readBatch,
    signal: lifetime.signal,
    onReadError: (error) => errors.push(error),
    retryMs: 5,
  });
  return { stream, lifetime, errors };
}

async function take(stream: AsyncIterator<Item>, count: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < count) {
    const result = await stream.next();
    if (result.done) break;
    seqs.push(result.value.seq);
  }
  return seqs;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('OrderedStream', () => {
  it('delivers the stored backlog after the start, then live items, each once and in order', async () => {
    const log = storedLog(5);
    const { stream } = streamOver(log, { readBatch: 2 });
    stream.start(2, { readFirst: true });
    expect(await take(stream, 3)).toEqual([3, 4, 5]);
    stream.offer(log.append());
    stream.offer(log.append());
    expect(await take(stream, 2)).toEqual([6, 7]);
  });

  it('drops duplicates and items at or before the cursor', async () => {
    const log = storedLog(3);
    const { stream } = streamOver(log);
    stream.start(3, { readFirst: false });
    const fourth = log.append();
    stream.offer({ seq: 2 });
    stream.offer(fourth);
    stream.offer(fourth);
    stream.offer(log.append());
    expect(await take(stream, 2)).toEqual([4, 5]);
    expect(log.reads).toBe(0);
  });

  it('heals a gap or a reordering from the stored log', async () => {
    const log = storedLog(0);
    const { stream } = streamOver(log);
    stream.start(0, { readFirst: false });
    const [first, second, third] = [log.append(), log.append(), log.append()];
    stream.offer(third);
    stream.offer(first);
    stream.offer(second);
    expect(await take(stream, 3)).toEqual([1, 2, 3]);
    expect(log.reads).toBe(1);
  });

  it('re-reads after a resync, so events the bus lost are delivered', async () => {
    const log = storedLog(1);
    const { stream } = streamOver(log);
    stream.start(1, { readFirst: false });
    log.append();
    log.append();
    stream.resync();
    expect(await take(stream, 2)).toEqual([2, 3]);
  });

  it('holds at most bufferSize live items for a reader that stalls, then catches up from the log', async () => {
    const log = storedLog(0);
    const { stream } = streamOver(log, { bufferSize: 8, readBatch: 50 });
    stream.start(0, { readFirst: false });
    for (let index = 0; index < 1_000; index++) stream.offer(log.append());
    expect(stream.overflows).toBeGreaterThan(0);
    expect(stream.settled).toBe(false);
    expect(await take(stream, 1_000)).toEqual(range(1, 1_000));
    stream.offer(log.append());
    expect(await take(stream, 1)).toEqual([1_001]);
  });

  it('queues live items offered before the start point is known, and drops those at or before it', async () => {
    const log = storedLog(2);
    const { stream } = streamOver(log);
    stream.offer({ seq: 2 });
    stream.offer(log.append());
    stream.start(2, { readFirst: false });
    expect(await take(stream, 1)).toEqual([3]);
  });

  it('retries a failed read and reports it', async () => {
    const log = storedLog(3);
    log.failNext = 2;
    const { stream, errors } = streamOver(log);
    stream.start(0, { readFirst: true });
    expect(await take(stream, 3)).toEqual([1, 2, 3]);
    expect(errors).toHaveLength(2);
  });

  it('ends when its signal aborts, also while the reader waits, and runs its cleanups once', async () => {
    const log = storedLog(0);
    const { stream, lifetime } = streamOver(log);
    let cleanups = 0;
    stream.defer(() => cleanups++);
    stream.start(0, { readFirst: false });
    const waiting = stream.next();
    lifetime.abort();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.offer(log.append());
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    stream.defer(() => cleanups++);
    expect(cleanups).toBe(2);
  });

  it('is ended from the start when its socket is already gone', () => {
    const lifetime = new AbortController();
    lifetime.abort();
    const stream = new OrderedStream<Item>({
      readAfter: () => Promise.resolve([]),
      bufferSize: 4,
      signal: lifetime.signal,
      onReadError: () => {},
    });
    let cleaned = false;
    stream.defer(() => (cleaned = true));
    expect(stream.closed).toBe(true);
    expect(cleaned).toBe(true);
  });
});

describe('LiveQueue', () => {
  it('keeps the newest bufferSize items for a stalled reader and never throws', async () => {
    const queue = new LiveQueue<number>(4, new AbortController().signal);
    for (let index = 1; index <= 2_000; index++) queue.offer(index);
    expect(queue.dropped).toBe(1_996);
    const seen: number[] = [];
    for (let index = 0; index < 4; index++) seen.push((await queue.next()).value!);
    expect(seen).toEqual([1_997, 1_998, 1_999, 2_000]);
  });
});
