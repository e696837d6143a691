/**
 * `npm run bench [-- --quick]`: the workloads of the benchmark, each bounded
 * in time and count, against a server and references started here, with the
 * load generator in a process of its own. Writes tables to stdout,
 * bench/results/<mode>.json and, for a full run, the chart and bench/RESULTS.md.
 * Exits 1 only if a message was lost, duplicated or stored other than once:
 * timings never fail it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { nginxInstalled, startNginx } from '../api/test/support/nginx.ts';
import { freePort } from '../api/test/support/ports.ts';
import { createBenchDatabase, seedConversations, seedPeople, storedCount } from './lib/database.ts';
import {
  cpuMs,
  startChatServer,
  startGenerator,
  startReference,
  type RunningProcess,
} from './lib/processes.ts';
import type { Account, HistoryResult, HoldResult, Job, LiveRun, Protocol } from './lib/protocol.ts';
import { machine, report, type Held, type Results, type Step, type Sweep } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const plan = quick
  ? {
      pairs: 10,
      durationMs: 1_500,
      repeats: 1,
      warmUp: { rate: 100, durationMs: 1_000 },
      rates: [250, 500],
      referenceRates: [250, 500],
      sockets: [500],
      history: { conversations: 50, messagesEach: 400, pages: 40 },
      group: { members: 100, connected: 50, rates: [10, 20] },
    }
  : {
      pairs: 50,
      durationMs: 5_000,
      repeats: 3,
      warmUp: { rate: 200, durationMs: 3_000 },
      rates: [100, 250, 500, 750, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 8_000],
      referenceRates: [100, 250, 500, 1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 12_000, 16_000, 25_000],
      sockets: [1_000, 5_000, 10_000],
      history: { conversations: 2_000, messagesEach: 500, pages: 400 },
      group: { members: 100, connected: 50, rates: [20, 50, 100, 200, 300, 400, 500, 600, 800, 1_000] },
    };
/** `--sockets 1000,5000,10000`: the memory workload at these counts instead (a quick run stays quick otherwise). */
const socketsOption = process.argv.indexOf('--sockets');
if (socketsOption !== -1) plan.sockets = process.argv[socketsOption + 1]!.split(',').map(Number);
const P99_GOAL_MS = 50;
const GROUP_P99_GOAL_MS = 100;

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
  // Above the 10,000 sockets of the memory workload, with room for its HTTP sends.
  MAX_CONNECTIONS: '12000',
};
const started: Array<{ stop(): Promise<void> | void }> = [];
const generator = startGenerator();
started.push(generator);

const faultsOf = (run: LiveRun) =>
  run.lost > 0 || run.duplicates > 0 || (run.stored !== undefined && run.stored !== run.accepted);

/**
 * Connects with `connect`, then offers `rates` upward, each `plan.repeats`
 * times. A step passes when no repeat lost, duplicated or misstored a message
 * and the median repeat's p99 meets `goalMs`; a rate counts only if it and
 * every lower step passed, so the sweep stops at the first step that fails.
 */
async function sweep(
  name: string,
  connect: (warmUp: Extract<Job, { type: 'connect' }>['warmUp']) => Job,
  rates: number[],
  options: { stored?: (tag: string) => Promise<number>; goalMs?: number; pids?: number[] } = {},
): Promise<Sweep> {
  const goalMs = options.goalMs ?? P99_GOAL_MS;
  const serverCpuMs = () => (options.pids ?? []).reduce((sum, pid) => sum + cpuMs(pid), 0);
  const measure = async (job: Job, tag: string): Promise<LiveRun> => {
    const cpuBefore = serverCpuMs();
    const run = await generator.ask<LiveRun>(job);
    const cpuPerMessageMs = options.pids
      ? Math.round(((serverCpuMs() - cpuBefore) / Math.max(1, run.accepted)) * 1000) / 1000
      : undefined;
    return { ...run, cpuPerMessageMs, stored: options.stored && (await options.stored(tag)) };
  };
  const warmUpTag = `${name}-${runId}-warm-up`;
  const warmUp = await measure(connect({ ...plan.warmUp, tag: warmUpTag }), warmUpTag);
  const steps: Step[] = [];
  for (const rate of rates) {
    const runs: LiveRun[] = [];
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      const tag = `${name}-${runId}-${rate}-${repeat}`;
      runs.push(await measure({ type: 'run', rate, durationMs: plan.durationMs, tag }, tag));
    }
    const byP99 = [...runs].sort((a, b) => a.latency.p99 - b.latency.p99);
    const median = byP99[Math.floor(byP99.length / 2)]!;
    const passed = !runs.some(faultsOf) && median.latency.p99 <= goalMs;
    steps.push({ rate, runs, median, passed });
    const spread = runs.length > 1 ? ` (${byP99[0]!.latency.p99}–${byP99.at(-1)!.latency.p99})` : '';
    process.stdout.write(
      `  ${name.padEnd(13)} ${String(rate).padStart(6)}/s  p50 ${median.latency.p50} ms  ` +
        `p99 ${median.latency.p99} ms${spread}  cpu ${median.cpuPerMessageMs ?? '–'} ms/msg  lag p99 ${median.lag.p99} max ${median.lag.max} ms  ` +
        `lost ${runs.reduce((sum, run) => sum + run.lost, 0)}  dup ${runs.reduce((sum, run) => sum + run.duplicates, 0)}` +
        `${passed ? '' : '  ✗'}\n`,
    );
    if (!passed) break;
  }
  await generator.ask({ type: 'close' });
  const failed = steps.findIndex((step) => !step.passed);
  const passing = failed === -1 ? steps : steps.slice(0, failed);
  return { warmUp, steps, goalMs, bestRate: passing.at(-1)?.rate ?? 0 };
}

const makePairs = (people: Account[]) =>
  Array.from(
    { length: people.length / 2 },
    (_, index) => [people[2 * index]!, people[2 * index + 1]!] as [Account, Account],
  );

async function createGroup(url: string, owner: Account, members: Account[]): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `sessionid=${owner.token}` },
    body: JSON.stringify({
      query: 'mutation ($t: String!, $m: [String!]!) { createGroup(title: $t, members: $m) { id } }',
      variables: { t: `bench ${runId}`, m: members.map((member) => member.username) },
    }),
  });
  const result = (await response.json()) as { data?: { createGroup: { id: string } } };
  if (!result.data) throw new Error(`createGroup failed: ${JSON.stringify(result)}`);
  return result.data.createGroup.id;
}

try {
  const primary = await startChatServer(await freePort(), serverEnv);
  started.push(primary);
  const people = await seedPeople(database.sql, `p${runId}x`, plan.pairs * 2);
  const pairs = makePairs(people);
  const storedMessages = (tag: string) => storedCount(database.sql, 'messages', tag);
  const live =
    (protocol: Protocol, urls: string[]) => (warmUp: { rate: number; durationMs: number; tag: string }) =>
      ({ type: 'connect', protocol, urls, pairs, warmUp }) as const;

  console.log('1. live delivery, sent as the web client sends: HTTP sendMessage, `events` over graphql-ws');
  const http = await sweep('http', live('http', [primary.url]), plan.rates, {
    stored: storedMessages,
    pids: [primary.pid],
  });
  console.log('2. the same with sendMessage on the graphql-ws socket, and over the compat WebSocket');
  const socket = await sweep('socket', live('graphql', [primary.url]), plan.rates, {
    stored: storedMessages,
    pids: [primary.pid],
  });
  const compat = await sweep('compat', live('compat', [primary.url]), plan.rates, {
    stored: storedMessages,
    pids: [primary.pid],
  });

  console.log('3. references: a bare ws relay, one that INSERTs each message first, one that group-commits');
  const references: Record<'bareRelay' | 'pgRelay' | 'pgBatchRelay', Sweep> = {} as never;
  for (const [key, script] of [
    ['bareRelay', 'bare-relay.ts'],
    ['pgRelay', 'pg-relay.ts'],
    ['pgBatchRelay', 'pg-batch-relay.ts'],
  ] as const) {
    const reference = await startReference(script, await freePort(), { DATABASE_URL: database.url });
    references[key] = await sweep(key, live('relay', [reference.url]), plan.referenceRates, {
      pids: [reference.pid],
      stored: key === 'bareRelay' ? undefined : (tag) => storedCount(database.sql, 'reference_messages', tag),
    });
    await reference.stop();
  }

  const { members, connected } = plan.group;
  console.log(
    `4. a group of ${members}, ${connected} of them connected over \`events\` and sending to it over HTTP`,
  );
  const groupPeople = await seedPeople(database.sql, `g${runId}x`, members);
  const conversationId = await createGroup(primary.url, groupPeople[0]!, groupPeople.slice(1));
  const group = await sweep(
    'group',
    (warmUp) => ({
      type: 'group',
      url: primary.url,
      conversationId,
      members: groupPeople.slice(0, connected),
      warmUp: { ...warmUp, rate: Math.min(warmUp.rate, plan.group.rates[0]!) },
    }),
    plan.group.rates,
    { stored: storedMessages, goalMs: GROUP_P99_GOAL_MS, pids: [primary.pid] },
  );

  console.log('5. sockets held by one instance, each with one `events` stream; RSS after a forced GC');
  const memoryServer = await startChatServer(await freePort(), serverEnv, { gc: true });
  started.push(memoryServer);
  const most = plan.sockets.at(-1)!;
  const [hub, ...crowd] = await seedPeople(database.sql, `c${runId}x`, most + 51);
  // A few sockets first, so that the baseline has the code paths warm and the pools open.
  await generator.ask<HoldResult>({ type: 'hold', url: memoryServer.url, people: crowd.splice(0, 50), hub });
  const baseline = await memoryServer.memory();
  const held: Held[] = [];
  let connectMs = 0;
  let retries = 0;
  for (const sockets of plan.sockets) {
    const more = crowd.slice(held.at(-1)?.sockets ?? 0, sockets);
    const added = await generator.ask<HoldResult>({ type: 'hold', url: memoryServer.url, people: more });
    connectMs += added.connectMs;
    retries += added.retries;
    const memory = await memoryServer.memory();
    const tag = `hold-${runId}-${sockets}`;
    const delivery = await generator.ask<LiveRun>({
      type: 'deliver',
      count: quick ? 100 : 500,
      rate: 100,
      tag,
    });
    held.push({
      sockets,
      connectMs,
      retries,
      rssGrowthKiB: memory.rssKiB - baseline.rssKiB,
      heapGrowthKiB: memory.heapKiB - baseline.heapKiB,
      delivery: { ...delivery, stored: await storedMessages(tag) },
    });
    console.log(
      `  ${sockets} sockets: ${connectMs} ms to connect (${retries} retried), ${((memory.rssKiB - baseline.rssKiB) / sockets).toFixed(1)} KiB RSS ` +
        `(${((memory.heapKiB - baseline.heapKiB) / sockets).toFixed(1)} KiB heap) per socket, ` +
        `delivery p99 ${delivery.latency.p99} ms, lost ${delivery.lost}, dup ${delivery.duplicates}`,
    );
  }
  await generator.ask({ type: 'close' });
  await memoryServer.stop();

  const { conversations, messagesEach, pages } = plan.history;
  const stored = conversations * messagesEach;
  console.log(
    `6. history: ${conversations} conversations of ${messagesEach} messages (${stored.toLocaleString('en')})`,
  );
  const [reader, ...peers] = await seedPeople(database.sql, `r${runId}x`, conversations + 1);
  const conversationIds = await seedConversations(database.sql, reader!, peers, messagesEach);
  const history = await generator.ask<HistoryResult>({
    type: 'history',
    url: primary.url,
    viewer: reader!,
    conversationIds,
    messagesEach,
    pages,
  });
  console.log(
    `  { __typename } p50 ${history.typename.p50} ms; newest page p99 ${history.newest.p99} ms, older pages ` +
      `p99 ${history.older.p99} ms; chat list p99 ${history.conversations.p99} ms`,
  );

  console.log(`7. two instances sharing PostgreSQL and Redis${nginxInstalled() ? ', behind nginx' : ''}`);
  const second = await startChatServer(await freePort(), serverEnv);
  started.push(second);
  const sweepRates = plan.rates.filter((rate) => rate <= Math.max(plan.rates[1]!, http.bestRate * 2));
  let urls = [primary.url, second.url];
  if (nginxInstalled()) {
    const nginx = await startNginx(
      [primary, second].map((server: RunningProcess) => new URL(server.url).host),
    );
    started.push(nginx);
    urls = [nginx.url];
  } else {
    console.log('  (nginx is not installed: each pair is split across the two instances directly)');
  }
  const twoInstances = await sweep('twoInstances', live('http', urls), sweepRates, {
    stored: storedMessages,
    pids: [primary.pid, second.pid],
  });

  const results: Results = {
    mode: quick ? 'quick' : 'full',
    machine: machine(),
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    plan,
    live: { http, socket, compat, ...references, twoInstances },
    group: { ...plan.group, sweep: group },
    held,
    history: { conversations, messagesEach, result: history },
  };
  const directory = resolve(import.meta.dirname, 'results');
  mkdirSync(directory, { recursive: true });
  const failures = report(results, directory);
  if (failures.length > 0) {
    console.error(`\nMessages went missing, twice or stored other than once:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
} finally {
  for (const process of started.reverse()) await process.stop();
  await database.drop();
}
