import { describe, expect, it } from 'vitest';
import {
  decodePosition,
  encodePosition,
  MergedLogStream,
  type LogEntry,
  type MergedPosition,
  type StreamItem,
} from './merged-log-stream.ts';

const SKEW = 1_000;

/** Several stored logs standing in for PostgreSQL, with a clock that only moves forward. */
function storedLogs() {
  const entries: LogEntry[] = [];
  const heads = new Map<number, number>();
  const source = {
    entries,
    reads: 0,
    clock: 10_000,
    write(log: number, atOffset = 1): LogEntry {
      source.clock += atOffset;
      const seq = (heads.get(log) ?? 0) + 1;
      heads.set(log, seq);
      const entry = { log, seq, at: source.clock };
      entries.push(entry);
      return entry;
    },
    readSince: (since: number, after: LogEntry | null, limit: number, log?: number) => {
      source.reads++;
      const key = (entry: LogEntry) => [entry.at, entry.log, entry.seq] as const;
      const greater = (a: LogEntry, b: LogEntry) => {
        const [x, y] = [key(a), key(b)];
        for (let index = 0; index < 3; index++) if (x[index] !== y[index]) return x[index]! > y[index]!;
        return false;
      };
      return Promise.resolve(
        entries
          .filter((entry) => entry.at > since && (log === undefined || entry.log === log))
          .filter((entry) => after === null || greater(entry, after))
          .sort((a, b) => (greater(a, b) ? 1 : -1))
          .slice(0, limit),
      );
    },
  };
  return source;
}

function open(
  source: ReturnType<typeof storedLogs>,
  start: MergedPosition,
  bufferSize = 16,
  readBatch = 500,
) {
  const lifetime = new AbortController();
  const stream = new MergedLogStream<LogEntry, string>(
    {
      readSince: source.readSince,
      skewMs: SKEW,
      bufferSize,
      readBatch,
      signal: lifetime.signal,
      onReadError: () => {},
      retryMs: 5,
    },
    start,
  );
  return { stream, lifetime };
}

async function take(stream: MergedLogStream<LogEntry, string>, count: number) {
  const items: Array<StreamItem<LogEntry, string>> = [];
  while (items.length < count) {
    const result = await stream.next();
    if (result.done) break;
    items.push(result.value);
  }
  return items;
}

const label = (item: StreamItem<LogEntry, string>) =>
  item.type === 'entry' ? `${item.entry.log}:${item.entry.seq}` : item.event;

const now = (source: ReturnType<typeof storedLogs>): MergedPosition => ({
  watermark: source.clock,
  logs: new Map(),
});

describe('MergedLogStream', () => {
  it('delivers what was written after its start first, then live entries, once each and in order per log', async () => {
    const source = storedLogs();
    source.write(1);
    const { stream } = open(source, {
      watermark: source.clock,
      logs: new Map([[1, { seq: 1, at: source.clock }]]),
    });
    const missed = [source.write(2), source.write(1)];
    expect((await take(stream, 2)).map(label)).toEqual(['2:1', '1:2']);
    for (const entry of missed) stream.offerEntry(entry);
    const live = source.write(2);
    stream.offerEntry(live);
    stream.offerEntry(live);
    expect((await take(stream, 1)).map(label)).toEqual(['2:2']);
  });

  it('heals a gap in one log from the source without re-reading the others', async () => {
    const source = storedLogs();
    const { stream } = open(source, now(source));
    const delivered = take(stream, 4);
    // Let the start read find nothing; then entries of log 8 arrive in order, of log 7 out of order.
    await new Promise((settled) => setImmediate(settled));
    const readsAtStart = source.reads;
    stream.offerEntry(source.write(8));
    const [a, b, c] = [source.write(7), source.write(7), source.write(7)];
    stream.offerEntry(c);
    stream.offerEntry(a);
    stream.offerEntry(b);
    expect((await delivered).map(label)).toEqual(['8:1', '7:1', '7:2', '7:3']);
    expect(source.reads - readsAtStart).toBe(1);
  });

  it('resumes from an encoded position: nothing missed, nothing twice, across logs', async () => {
    const source = storedLogs();
    const first = open(source, now(source));
    const written = [source.write(1), source.write(2), source.write(1)];
    for (const entry of written) first.stream.offerEntry(entry);
    const delivered = await take(first.stream, 2);
    const cursor = (delivered.at(-1) as { cursor: string }).cursor;
    first.lifetime.abort();
    // away: more writes in every log, none offered live
    source.write(2);
    source.write(3);
    const second = open(source, decodePosition(cursor)!);
    expect((await take(second.stream, 3)).map(label)).toEqual(['1:2', '2:2', '3:1']);
  });

  it('holds at most bufferSize live items for a stalled reader, then catches up from the source', async () => {
    const source = storedLogs();
    const { stream } = open(source, now(source), 4, 50);
    for (let index = 0; index < 300; index++) {
      stream.offerEntry(source.write(index % 3));
      stream.offerEvent(`receipt ${index}`);
    }
    expect(stream.overflows).toBeGreaterThan(0);
    const entries = (await take(stream, 300)).filter((item) => item.type === 'entry').map(label);
    const expected = source.entries.map((entry) => `${entry.log}:${entry.seq}`);
    expect(entries).toEqual(expected.slice(0, entries.length));
    const rest = (await take(stream, expected.length - entries.length)).map(label);
    expect([...entries, ...rest.filter((item) => /^\d+:\d+$/.test(item))]).toEqual(expected);
  });

  it('re-reads every log after a resync', async () => {
    const source = storedLogs();
    const { stream } = open(source, now(source));
    source.write(4);
    source.write(5);
    stream.resync();
    expect((await take(stream, 2)).map(label)).toEqual(['4:1', '5:1']);
  });

  it('carries nothing of a log after the reader left it, until it is back', async () => {
    const source = storedLogs();
    const { stream } = open(source, now(source));
    const before = source.write(9);
    stream.offerEntry(before);
    expect((await take(stream, 1)).map(label)).toEqual(['9:1']);
    stream.closeLog(9, 1);
    stream.offerEntry(source.write(9));
    stream.offerEvent('marker');
    expect((await take(stream, 1)).map(label)).toEqual(['marker']);
    stream.reopenLog(9);
    expect((await take(stream, 1)).map(label)).toEqual(['9:2']);
  });

  it('gives a reader that fell behind only the latest queued state of a changing item, in order, reading nothing', async () => {
    const source = storedLogs();
    const { stream } = open(source, now(source));
    const taken = take(stream, 3);
    // The start read finds nothing; then, while the reader waits, six entries arrive at once.
    await new Promise((settled) => setImmediate(settled));
    const readsBefore = source.reads;
    const change = (key: string) => ({ ...source.write(1), supersedes: key });
    const first = source.write(1);
    // 1:1 is new; 1:2, 1:4, 1:5 and 1:6 are states of "m", 1:3 of another item.
    const queued = [first, change('m'), change('n'), change('m'), change('m'), change('m')];
    for (const entry of queued) stream.offerEntry(entry);
    const delivered = await taken;
    expect(delivered.map(label)).toEqual(['1:1', '1:3', '1:6']);
    expect(source.reads).toBe(readsBefore);
    // Its cursor stands past the skipped states: a resume from it repeats nothing.
    const resumed = open(source, decodePosition((delivered.at(-1) as { cursor: string }).cursor)!);
    stream.close();
    source.write(1);
    expect((await take(resumed.stream, 1)).map(label)).toEqual(['1:7']);
  });

  it('keeps the newer state when the bus brings two out of order', async () => {
    const source = storedLogs();
    const { stream } = open(source, now(source));
    const taken = take(stream, 1);
    await new Promise((settled) => setImmediate(settled));
    const older = { ...source.write(1), supersedes: 'm' };
    const newer = { ...source.write(1), supersedes: 'm' };
    stream.offerEntry(newer);
    stream.offerEntry(older);
    // 1:2 follows 1:0 once 1:1, superseded, is passed over.
    expect((await taken).map(label)).toEqual(['1:2']);
  });

  it('lists only the logs inside the skew window in its cursor', () => {
    const position: MergedPosition = {
      watermark: 50_000,
      logs: new Map([
        [1, { seq: 3, at: 10_000 }],
        [2, { seq: 8, at: 49_500 }],
      ]),
    };
    const decoded = decodePosition(encodePosition(position, SKEW))!;
    expect([...decoded.logs.keys()]).toEqual([2]);
    expect(decoded.watermark).toBe(50_000);
    expect(decodePosition('not a cursor')).toBeNull();
  });
});
