import type pg from 'pg';
import { freePort } from '../../api/test/support/ports.ts';
import { seedPeople, storageOf } from './database.ts';
import { startChatServer, steadyRss, type startGenerator } from './processes.ts';
import type { HoldResult, LiveRun } from './protocol.ts';
import type { Held } from './results.ts';

/**
 * Sockets held by one instance, each a person holding what the web client
 * holds (one `events` stream), at each of `counts` in turn; at each, memory
 * over a warm baseline as it stands and after a forced full GC, then
 * `deliveries` messages to people held at random, each checked like any run's.
 */
export async function holdSockets(options: {
  generator: ReturnType<typeof startGenerator>;
  sql: pg.Pool;
  serverEnv: Record<string, string>;
  runId: string;
  counts: number[];
  deliveries: number;
  steadyWindowMs: number;
}): Promise<Held[]> {
  const { generator, sql, runId } = options;
  const server = await startChatServer(await freePort(), options.serverEnv, { gc: true });
  try {
    const [hub, ...crowd] = await seedPeople(sql, `c${runId}x`, options.counts.at(-1)! + 51);
    // A few sockets first, so that the baseline has the code paths warm and the pools open.
    await generator.ask<HoldResult>({ type: 'hold', url: server.url, people: crowd.splice(0, 50), hub });
    // As it stands first: a forced collection would leave less garbage behind than a running server carries.
    const steadyBaseline = await steadyRss(server.pid, options.steadyWindowMs);
    const baseline = await server.memory();
    const held: Held[] = [];
    let connectMs = 0;
    let retries = 0;
    for (const sockets of options.counts) {
      const more = crowd.slice(held.at(-1)?.sockets ?? 0, sockets);
      const added = await generator.ask<HoldResult>({ type: 'hold', url: server.url, people: more });
      connectMs += added.connectMs;
      retries += added.retries;
      const steady = await steadyRss(server.pid, options.steadyWindowMs);
      const memory = await server.memory();
      const tag = `hold-${runId}-${sockets}`;
      const delivery = await generator.ask<LiveRun>({
        type: 'deliver',
        count: options.deliveries,
        rate: 100,
        tag,
      });
      const steadyGrowth = {
        median: steady.medianKiB - steadyBaseline.medianKiB,
        max: steady.maxKiB - steadyBaseline.medianKiB,
        samples: steady.samples,
      };
      held.push({
        sockets,
        connectMs,
        retries,
        steadyRssGrowthKiB: steadyGrowth,
        rssGrowthKiB: memory.rssKiB - baseline.rssKiB,
        heapGrowthKiB: memory.heapKiB - baseline.heapKiB,
        delivery: { ...delivery, ...(await storageOf(sql, 'messages', tag, delivery)) },
      });
      const perSocket = (kib: number) => (kib / sockets).toFixed(1);
      console.log(
        `  ${sockets} sockets: ${connectMs} ms to connect (${retries} retried); KiB per socket: ` +
          `${perSocket(steadyGrowth.median)} RSS steady (max ${perSocket(steadyGrowth.max)}), ` +
          `${perSocket(memory.rssKiB - baseline.rssKiB)} RSS after GC (${perSocket(memory.heapKiB - baseline.heapKiB)} heap); ` +
          `delivery p99 ${delivery.latency.p99} ms, lost ${delivery.lost}, dup ${delivery.duplicates}`,
      );
    }
    await generator.ask({ type: 'close' });
    return held;
  } finally {
    await server.stop();
  }
}
