/**
 * `npm run bench [-- --quick]`: the workloads of the benchmark, each bounded
 * in time and count, against a server and references started here, with the
 * load generator in a process of its own. Writes tables to stdout,
 * bench/results/<mode>.json and, for a full run, the chart and bench/RESULTS.md.
 * Exits 1 only if a message was lost, duplicated, misdelivered or stored other
 * than once (counted message by message): timings never fail it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { nginxInstalled, startNginx } from '../api/test/support/nginx.ts';
import { freePort } from '../api/test/support/ports.ts';
import {
  createBenchDatabase,
  duringMaintenance,
  seedConversations,
  seedPeople,
  storageOf,
} from './lib/database.ts';
import {
  cpuMs,
  startChatServer,
  startGenerator,
  startReference,
  type RunningProcess,
} from './lib/processes.ts';
import type { Account, HistoryResult, Job, LiveRun, Protocol } from './lib/protocol.ts';
import { holdSockets } from './lib/memory.ts';
import { report } from './lib/report.ts';
import { faultsOf, machine, type Confirmation, type Results, type Step, type Sweep } from './lib/results.ts';

const quick = process.argv.includes('--quick');
/**
 * `confirmMs`: each of the chat's workloads is run this long at its highest
 * passing rate (a quick run does it briefly, to keep the path exercised).
 * `steadyWindowMs`: how long memory is sampled as it stands, which in a full run
 * spans the server's 25 s keepalive round.
 */
const plan = quick
  ? {
      pairs: 10,
      durationMs: 1_500,
      repeats: 1,
      confirmMs: 2_000,
      steadyWindowMs: 3_000,
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
      confirmMs: 60_000,
      steadyWindowMs: 30_000,
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

/** A line of progress: the figures of `shown`, what went wrong with any of `runs`, and ✗ unless they `held`. */
const line = (name: string, rate: number, shown: LiveRun, runs: LiveRun[], note: string, held: boolean) =>
  process.stdout.write(
    `  ${name.padEnd(13)} ${String(rate).padStart(6)}/s  p50 ${shown.latency.p50} ms  p99 ${shown.latency.p99} ms${note}  ` +
      `cpu ${shown.cpuPerMessageMs ?? '–'} ms/msg  lag p99 ${shown.lag.p99} max ${shown.lag.max} ms  ` +
      `lost ${runs.reduce((sum, run) => sum + run.lost, 0)}  dup ${runs.reduce((sum, run) => sum + run.duplicates, 0)}` +
      `${held ? '' : '  ✗'} ${runs.flatMap(faultsOf).join('; ')}\n`,
  );

/**
 * Connects with `connect`, then offers `rates` upward, each `plan.repeats`
 * times. A step passes on its worst repeat: when no repeat lost, duplicated,
 * misdelivered or misstored a message and the highest of the repeats' p99s
 * meets `goalMs`. A rate counts only if it and every lower step passed, so the
 * sweep stops at the first step that fails. With `confirm`, the highest
 * passing rate is then run for `plan.confirmMs`, and the next lower one if that
 * fails, until one holds: that rate is the sweep's `bestRate`.
 */
async function sweep(
  name: string,
  connect: (warmUp: Extract<Job, { type: 'connect' }>['warmUp']) => Job,
  rates: number[],
  options: {
    stored?: (tag: string, run: LiveRun) => Promise<{ stored: number; misstored: number }>;
    goalMs?: number;
    pids?: number[];
    confirm?: boolean;
  } = {},
): Promise<Sweep> {
  const goalMs = options.goalMs ?? P99_GOAL_MS;
  const serverCpuMs = () => (options.pids ?? []).reduce((sum, pid) => sum + cpuMs(pid), 0);
  const measure = async (job: Job, tag: string): Promise<LiveRun> => {
    const cpuBefore = serverCpuMs();
    const run = await generator.ask<LiveRun>(job);
    const cpuPerMessageMs = options.pids
      ? Math.round(((serverCpuMs() - cpuBefore) / Math.max(1, run.accepted)) * 1000) / 1000
      : undefined;
    return { ...run, cpuPerMessageMs, ...(options.stored && (await options.stored(tag, run))) };
  };
  const holds = (run: LiveRun) => faultsOf(run).length === 0 && run.latency.p99 <= goalMs;
  const warmUpTag = `${name}-${runId}-warm-up`;
  const warmUp = await measure(connect({ ...plan.warmUp, tag: warmUpTag }), warmUpTag);
  const steps: Step[] = [];
  for (const rate of rates) {
    const runs: LiveRun[] = [];
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      const tag = `${name}-${runId}-${rate}-${repeat}`;
      runs.push(await measure({ type: 'run', rate, durationMs: plan.durationMs, tag }, tag));
    }
    // Passing on the worst repeat: every repeat must hold, so the highest p99 is the step's.
    const worst = runs.reduce((highest, run) => (run.latency.p99 > highest.latency.p99 ? run : highest));
    const passed = runs.every(holds);
    steps.push({ rate, runs, worst, passed });
    const p99s = runs.map((run) => run.latency.p99);
    const spread = runs.length > 1 ? ` (${Math.min(...p99s)}–${Math.max(...p99s)})` : '';
    line(name, rate, worst, runs, spread, passed);
    if (!passed) break;
  }
  const passing = steps.filter((step) => step.passed);
  const confirmations: Confirmation[] = [];
  for (const { rate } of options.confirm ? [...passing].reverse() : []) {
    const tag = `${name}-${runId}-${rate}-confirm`;
    const { result: run, maintenance } = await duringMaintenance(database.sql, () =>
      measure({ type: 'run', rate, durationMs: plan.confirmMs, tag }, tag),
    );
    confirmations.push({ rate, run, maintenance, passed: holds(run) });
    line(name, rate, run, [run], ` over ${plan.confirmMs / 1000} s`, holds(run));
    if (holds(run)) break;
  }
  await generator.ask({ type: 'close' });
  const sweptRate = passing.at(-1)?.rate ?? 0;
  const confirmed = confirmations.find((confirmation) => confirmation.passed)?.rate ?? 0;
  return {
    warmUp,
    steps,
    goalMs,
    sweptRate,
    confirmations,
    bestRate: options.confirm ? confirmed : sweptRate,
  };
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
  const storedMessages = (tag: string, run: LiveRun) => storageOf(database.sql, 'messages', tag, run);
  const live =
    (protocol: Protocol, urls: string[]) => (warmUp: { rate: number; durationMs: number; tag: string }) =>
      ({ type: 'connect', protocol, urls, pairs, warmUp }) as const;

  console.log('1. live delivery with sendMessage over HTTP (the web client while its socket is down), `events` over graphql-ws');
  const http = await sweep('http', live('http', [primary.url]), plan.rates, {
    stored: storedMessages,
    pids: [primary.pid],
    confirm: true,
  });
  console.log('2. the same with sendMessage on the graphql-ws socket (the web client), and over the compat WebSocket');
  const socket = await sweep('socket', live('graphql', [primary.url]), plan.rates, {
    stored: storedMessages,
    pids: [primary.pid],
    confirm: true,
  });
  const compat = await sweep('compat', live('compat', [primary.url]), plan.rates, {
    stored: storedMessages,
    pids: [primary.pid],
    confirm: true,
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
      stored:
        key === 'bareRelay'
          ? undefined
          : (tag, run) => storageOf(database.sql, 'reference_messages', tag, run),
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
    { stored: storedMessages, goalMs: GROUP_P99_GOAL_MS, pids: [primary.pid], confirm: true },
  );

  console.log(
    '5. sockets held by one instance, each with one `events` stream; RSS as it stands and after a forced GC',
  );
  const held = await holdSockets({
    generator,
    sql: database.sql,
    serverEnv,
    runId,
    counts: plan.sockets,
    deliveries: quick ? 100 : 500,
    steadyWindowMs: plan.steadyWindowMs,
  });

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
    confirm: true,
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
    console.error(
      `\nMessages went missing, twice, astray or were stored other than once:\n${failures.join('\n')}`,
    );
    process.exitCode = 1;
  }
} finally {
  for (const process of started.reverse()) await process.stop();
  await database.drop();
}
