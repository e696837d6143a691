/**
 * `npm run bench [-- --quick]`: the six workloads of the benchmark, each
 * bounded in time and count, against a server and references started here,
 * with the load generator in a process of its own. Writes a table to stdout,
 * bench/results/<mode>.json and, for a full run, the chart and bench/RESULTS.md.
 * Exits 1 only if a message was lost or duplicated: timings never fail it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { nginxInstalled, startNginx } from '../api/test/support/nginx.ts';
import { freePort } from '../api/test/support/ports.ts';
import { createBenchDatabase, seedConversation, seedPeople, storedCount } from './lib/database.ts';
import {
  rssKiB,
  startChatServer,
  startGenerator,
  startReference,
  type RunningProcess,
} from './lib/processes.ts';
import type {
  Account,
  DeliveryResult,
  HistoryResult,
  HoldResult,
  Job,
  LiveRun,
  Protocol,
} from './lib/protocol.ts';
import { machine, report, type Results, type Sweep } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const plan = quick
  ? {
      pairs: 10,
      durationMs: 1_500,
      warmUp: { rate: 100, durationMs: 1_500 },
      rates: [250, 500],
      referenceRates: [250, 500],
      subscriptions: [400],
      history: { messages: 20_000, pages: 40 },
    }
  : {
      pairs: 50,
      durationMs: 5_000,
      warmUp: { rate: 200, durationMs: 3_000 },
      rates: [250, 400, 550, 700, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000],
      referenceRates: [
        250, 400, 550, 700, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 15_000, 20_000,
        25_000,
      ],
      subscriptions: [1_000, 5_000, 20_000],
      history: { messages: 1_000_000, pages: 200 },
    };
const P99_GOAL_MS = 50;

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const database = await createBenchDatabase(serverUrl);
const runId = randomBytes(3).toString('hex');
const serverEnv = {
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `chat-bench-${runId}:`,
  TRUST_PROXY: 'true',
  // The bench offers the load on purpose: the per-person limits would refuse it.
  SENDS_PER_USER_BURST: '1000000',
  SENDS_PER_USER_PER_MINUTE: '100000000',
  WS_MAX_SOCKETS_PER_USER: '1000',
};
const started: Array<{ stop(): Promise<void> | void }> = [];
const generator = startGenerator();
started.push(generator);

/** Sweeps `rates` upward until p99 passes the goal twice, the generator falls behind, or a message goes missing. */
async function sweep(
  name: keyof Results['live'],
  protocol: Protocol,
  urls: string[],
  pairs: Array<[Account, Account]>,
  rates: number[],
  stored?: (tag: string) => Promise<number>,
): Promise<Sweep> {
  const measure = async (job: Job) => {
    const run = await generator.ask<LiveRun>(job);
    const tag = job.type === 'connect' ? job.warmUp.tag : (job as { tag: string }).tag;
    return stored ? { ...run, stored: await stored(tag) } : run;
  };
  const warmUp = await measure({
    type: 'connect',
    protocol,
    urls,
    pairs,
    warmUp: { ...plan.warmUp, tag: `${name}-${runId}-warm-up` },
  });
  const runs: LiveRun[] = [];
  let overGoal = 0;
  for (const rate of rates) {
    const tag = `${name}-${runId}-${rate}`;
    const run = await measure({ type: 'run', rate, durationMs: plan.durationMs, tag });
    runs.push(run);
    process.stdout.write(
      `  ${name.padEnd(12)} ${String(rate).padStart(6)}/s  p50 ${run.latency.p50} ms  p99 ${run.latency.p99} ms  lost ${run.lost}  dup ${run.duplicates}\n`,
    );
    overGoal = run.latency.p99 > P99_GOAL_MS ? overGoal + 1 : 0;
    if (overGoal >= 2 || run.lost > 0 || run.fired < run.offered * 0.9) break;
  }
  await generator.ask({ type: 'close' });
  const passing = runs.filter(
    (run) => run.latency.p99 <= P99_GOAL_MS && run.lost === 0 && run.duplicates === 0,
  );
  return { warmUp, runs, bestRate: Math.max(0, ...passing.map((run) => run.offered)) };
}

const wsUrl = (server: RunningProcess) => `${server.url.replace(/^http/, 'ws')}/graphql`;
const makePairs = (people: Account[]) =>
  Array.from(
    { length: people.length / 2 },
    (_, index) => [people[2 * index]!, people[2 * index + 1]!] as [Account, Account],
  );

try {
  const servers: RunningProcess[] = [await startChatServer(await freePort(), serverEnv)];
  started.push(...servers);
  const [primary] = servers as [RunningProcess];
  const people = await seedPeople(database.sql, `p${runId}x`, plan.pairs * 2);
  const pairs = makePairs(people);
  const storedMessages = (tag: string) => storedCount(database.sql, 'messages', tag);

  console.log('1. live delivery over GraphQL');
  const graphql = await sweep('graphql', 'graphql', [wsUrl(primary)], pairs, plan.rates, storedMessages);
  console.log('2. the same over the compat WebSocket');
  const compat = await sweep('compat', 'compat', [primary.url], pairs, plan.rates, storedMessages);

  console.log('3. references: a bare ws relay, and one that INSERTs each message first');
  const bare = await startReference('bare-relay.ts', await freePort());
  const bareRelay = await sweep('bareRelay', 'relay', [bare.url], pairs, plan.referenceRates);
  await bare.stop();
  const pgReference = await startReference('pg-relay.ts', await freePort(), { DATABASE_URL: database.url });
  const pgRelay = await sweep('pgRelay', 'relay', [pgReference.url], pairs, plan.referenceRates, (tag) =>
    storedCount(database.sql, 'reference_messages', tag),
  );
  await pgReference.stop();

  console.log('4. idle subscriptions held by one instance');
  const connections: Array<HoldResult & { rssGrowthKiB: number; delivery: DeliveryResult }> = [];
  for (const subscriptions of plan.subscriptions) {
    const server = await startChatServer(await freePort(), serverEnv);
    const [hub, ...crowd] = await seedPeople(
      database.sql,
      `c${runId}n${subscriptions}x`,
      subscriptions / 2 + 51,
    );
    // A few sockets first, so that the baseline has the code paths warm and the pools open.
    const warmUp = crowd.splice(0, 50);
    await generator.ask<HoldResult>({ type: 'hold', wsUrl: wsUrl(server), people: warmUp, hub });
    const baseline = rssKiB(server.pid);
    const held = await generator.ask<HoldResult>({ type: 'hold', wsUrl: wsUrl(server), people: crowd });
    const rssGrowthKiB = rssKiB(server.pid) - baseline;
    const delivery = await generator.ask<DeliveryResult>({
      type: 'deliver',
      count: quick ? 100 : 500,
      rate: 100,
      tag: `hold-${runId}-${subscriptions}`,
    });
    connections.push({ ...held, rssGrowthKiB, delivery });
    console.log(
      `  ${held.subscriptions} subscriptions on ${held.sockets} sockets: ${held.connectMs} ms to connect, ` +
        `${(rssGrowthKiB / held.sockets).toFixed(1)} KiB per socket, delivery p99 ${delivery.p99} ms`,
    );
    await generator.ask({ type: 'close' });
    await server.stop();
  }

  console.log(`5. history: ${plan.history.messages.toLocaleString('en')} stored messages`);
  const [reader, writer] = await seedPeople(database.sql, `r${runId}x`, 2);
  await seedConversation(database.sql, reader!, writer!, plan.history.messages);
  const history = await generator.ask<HistoryResult>({
    type: 'history',
    url: primary.url,
    viewer: reader!,
    peer: writer!.username,
    pages: plan.history.pages,
  });
  console.log(`  newest page p99 ${history.newest.p99} ms, older pages p99 ${history.older.p99} ms`);

  console.log(`6. two instances sharing PostgreSQL and Redis${nginxInstalled() ? ', behind nginx' : ''}`);
  const second = await startChatServer(await freePort(), serverEnv);
  started.push(second);
  let twoInstances: Sweep;
  const sweepRates = plan.rates.filter((rate) => rate <= Math.max(plan.rates[1]!, graphql.bestRate * 2));
  if (nginxInstalled()) {
    const nginx = await startNginx([primary, second].map((server) => new URL(server.url).host));
    started.push(nginx);
    twoInstances = await sweep('twoInstances', 'graphql', [nginx.wsUrl], pairs, sweepRates, storedMessages);
  } else {
    console.log('  (nginx is not installed: each pair is split across the two instances directly)');
    twoInstances = await sweep(
      'twoInstances',
      'graphql',
      [wsUrl(primary), wsUrl(second)],
      pairs,
      sweepRates,
      storedMessages,
    );
  }

  const results: Results = {
    mode: quick ? 'quick' : 'full',
    machine: machine(),
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    plan,
    p99GoalMs: P99_GOAL_MS,
    live: { graphql, compat, bareRelay, pgRelay, twoInstances },
    connections,
    history: { ...history, storedMessages: plan.history.messages },
  };
  const directory = resolve(import.meta.dirname, 'results');
  mkdirSync(directory, { recursive: true });
  const failures = report(results, directory);
  if (failures.length > 0) {
    console.error(`\nMessages went missing or twice:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
} finally {
  for (const process of started.reverse()) await process.stop();
  await database.drop();
}
