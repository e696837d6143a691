/**
 * The load generator: a process of its own, so that the server's CPU is not
 * the generator's. It takes one job at a time from the orchestrator over IPC
 * (see protocol.ts) and answers with its measurements.
 */
import type { Client } from 'graphql-ws';
import { openLoop } from './lib/open-loop.ts';
import type { Account, HistoryResult, HoldResult, Job, JobResult, LiveRun } from './lib/protocol.ts';
import { now, summarize } from './lib/stats.ts';
import {
  compatEndpoint,
  graphqlClient,
  graphqlEndpoint,
  relayEndpoint,
  sendOverGraphQL,
  subscribeToInbox,
  subscribeToPeer,
  type Endpoint,
  type ErrorCount,
} from './lib/targets.ts';

/** The run in progress: where each arriving body is recorded, by its `<tag>:<index>`. */
interface Recording {
  tag: string;
  sentAt: Float64Array;
  seen: Uint8Array;
  latencies: number[];
  duplicates: number;
  lastDeliveryAt: number;
}

const errors: ErrorCount = { count: 0 };
let recording: Recording | undefined;
let pairs: Array<[Account & { endpoint: Endpoint }, Account & { endpoint: Endpoint }]> = [];
let held: Array<{ username: string; client: Client }> = [];
let hub: { account: Account; client: Client } | undefined;

function receive(body: string) {
  const separator = body.lastIndexOf(':');
  const index = Number(body.slice(separator + 1));
  if (!recording || body.slice(0, separator) !== recording.tag) return;
  if (recording.seen[index]) {
    recording.duplicates++;
    return;
  }
  recording.seen[index] = 1;
  recording.lastDeliveryAt = now();
  recording.latencies.push(recording.lastDeliveryAt - recording.sentAt[index]!);
}

function startRecording(tag: string, total: number): Recording {
  recording = {
    tag,
    sentAt: new Float64Array(total),
    seen: new Uint8Array(total),
    latencies: [],
    duplicates: 0,
    lastDeliveryAt: 0,
  };
  return recording;
}

/** Resolves once `done()` holds, or when nothing has changed for `quietMs`. */
async function settle(done: () => boolean, progress: () => number, quietMs = 5_000) {
  let last = progress();
  let lastChange = Date.now();
  while (!done() && Date.now() - lastChange < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (progress() !== last) {
      last = progress();
      lastChange = Date.now();
    }
  }
}

async function connect(job: Extract<Job, { type: 'connect' }>) {
  const open = (url: string, me: Account, peer: Account): Promise<Endpoint> => {
    if (job.protocol === 'graphql') return graphqlEndpoint(url, me, peer.username, receive, errors);
    if (job.protocol === 'compat') return compatEndpoint(url, me, peer.username, receive, errors);
    return relayEndpoint(url, me, receive);
  };
  const [urlA, urlB] = [job.urls[0]!, job.urls[1 % job.urls.length]!];
  pairs = await Promise.all(
    job.pairs.map(async ([a, b]) => {
      const [endpointA, endpointB] = await Promise.all([open(urlA, a, b), open(urlB, b, a)]);
      return [
        { ...a, endpoint: endpointA },
        { ...b, endpoint: endpointB },
      ] as (typeof pairs)[number];
    }),
  );
  await untilEveryoneHears(`ready-${job.warmUp.tag}`);
  return run({ type: 'run', ...job.warmUp });
}

/**
 * A subscription without a cursor hears what is sent once it is live, and the
 * server makes it live a little after the socket opens. Each person sends to
 * their peer until every peer has heard one, so that runs measure live delivery.
 */
async function untilEveryoneHears(tag: string) {
  const people = pairs.flatMap(([a, b]) => [
    { from: a, to: b },
    { from: b, to: a },
  ]);
  const heard = startRecording(tag, people.length);
  const deadline = Date.now() + 60_000;
  while (heard.latencies.length < people.length) {
    if (Date.now() > deadline)
      throw new Error(`only ${heard.latencies.length}/${people.length} subscriptions went live`);
    people.forEach(({ from, to }, index) => {
      if (heard.seen[index]) return;
      heard.sentAt[index] = now();
      void from.endpoint.send(to.username, `${tag}:${index}`, `${tag}-${index}-${Date.now()}`);
    });
    await settle(
      () => heard.latencies.length === people.length,
      () => heard.latencies.length,
      500,
    );
  }
}

/** Workloads 1–3 and 6: messages between the pairs at `rate`, open loop, then waits for the stragglers. */
async function run(job: Extract<Job, { type: 'run' }>): Promise<LiveRun> {
  const total = Math.floor((job.rate * job.durationMs) / 1000);
  const run = startRecording(job.tag, total);
  const errorsBefore = errors.count;
  let accepted = 0;
  let settled = 0;
  const loop = await openLoop(job.rate, job.durationMs, (index) => {
    const pair = pairs[index % pairs.length]!;
    const [from, to] = Math.floor(index / pairs.length) % 2 === 0 ? pair : [pair[1], pair[0]];
    run.sentAt[index] = now();
    void from.endpoint.send(to.username, `${job.tag}:${index}`, `${job.tag}-${index}`).then((ok) => {
      if (ok) accepted++;
      settled++;
    });
  });
  await settle(
    () => settled === total && run.latencies.length >= accepted,
    () => settled + run.latencies.length,
  );
  const refused = total - accepted;
  return {
    offered: job.rate,
    fired: Math.round((loop.fired * 1000) / loop.elapsedMs),
    delivering: Math.round((run.latencies.length * 1000) / (run.lastDeliveryAt - run.sentAt[0]!)),
    sent: total,
    accepted,
    errors: errors.count - errorsBefore + refused,
    delivered: run.latencies.length,
    duplicates: run.duplicates,
    lost: accepted - run.latencies.length,
    worstLagMs: loop.worstLagMs,
    latency: summarize(run.latencies),
  };
}

/** Workload 4: every person on a socket of their own with the web client's two subscriptions. */
async function hold(job: Extract<Job, { type: 'hold' }>): Promise<HoldResult> {
  if (job.hub) hub = { account: job.hub, client: await graphqlClient(job.wsUrl, job.hub) };
  const { username: hubName } = hub!.account;
  const started = performance.now();
  const queue = [...job.people];
  const before = held.length;
  const connectNext = async (): Promise<void> => {
    const person = queue.shift();
    if (!person) return;
    const client = await graphqlClient(job.wsUrl, person);
    subscribeToPeer(client, person, hubName, receive, errors);
    subscribeToInbox(client, errors);
    held.push({ username: person.username, client });
    return connectNext();
  };
  await Promise.all(Array.from({ length: 64 }, connectNext));
  const connectMs = Math.round(performance.now() - started);
  const sockets = held.length - before;
  return { sockets, subscriptions: sockets * 2, connectMs };
}

/** Workload 4, then: messages from the hub to people picked at random among those held. */
async function deliver(job: Extract<Job, { type: 'deliver' }>) {
  const { client } = hub!;
  const run = startRecording(job.tag, job.count);
  await openLoop(job.rate, (job.count * 1000) / job.rate, (index) => {
    run.sentAt[index] = now();
    const to = held[Math.floor(Math.random() * held.length)]!.username;
    void sendOverGraphQL(client, to, `${job.tag}:${index}`, `${job.tag}-${index}`);
  });
  await settle(
    () => run.latencies.length >= job.count,
    () => run.latencies.length,
  );
  return { ...summarize(run.latencies), lost: job.count - run.latencies.length, duplicates: run.duplicates };
}

/** Workload 5: the newest page of a long conversation, then paging back through it. */
async function history(job: Extract<Job, { type: 'history' }>): Promise<HistoryResult> {
  const query =
    'query ($p: String!, $b: String) { conversation(peer: $p, last: 50, before: $b) { edges { cursor node { id body sender { username } createdAt } } pageInfo { hasPreviousPage startCursor } } }';
  const page = async (before: string | null) => {
    const started = now();
    const response = await fetch(`${job.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${job.viewer.token}` },
      body: JSON.stringify({ query, variables: { p: job.peer, b: before } }),
    });
    const result = (await response.json()) as {
      data?: { conversation: { edges: unknown[]; pageInfo: { startCursor: string | null } } };
    };
    if (!result.data) throw new Error(`history page failed: ${JSON.stringify(result)}`);
    return { ms: now() - started, ...result.data.conversation };
  };
  const newest: number[] = [];
  const older: number[] = [];
  let messagesRead = 0;
  // Unmeasured first: the server's lazy paths and this conversation's caches.
  for (let repeat = 0; repeat < 10; repeat++) await page(null);
  for (let repeat = 0; repeat < job.pages; repeat++) newest.push((await page(null)).ms);
  let cursor = (await page(null)).pageInfo.startCursor;
  for (let index = 0; index < job.pages && cursor; index++) {
    const { ms, edges, pageInfo } = await page(cursor);
    older.push(ms);
    messagesRead += edges.length;
    cursor = pageInfo.startCursor;
  }
  return { newest: summarize(newest), older: summarize(older), messagesRead };
}

async function close() {
  await Promise.all([
    ...pairs.flat().map((person) => person.endpoint.close()),
    ...held.map(({ client }) => client.dispose()),
    hub?.client.dispose(),
  ]);
  pairs = [];
  held = [];
  hub = undefined;
  return null;
}

const handlers: { [K in Job['type']]: (job: Extract<Job, { type: K }>) => Promise<JobResult> } = {
  connect,
  run,
  hold,
  deliver,
  history,
  close,
};

process.on('message', (job: Job) => {
  (handlers[job.type] as (job: Job) => Promise<JobResult>)(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) =>
      process.send!({ ok: false, error: String(error instanceof Error ? error.stack : error) }),
  );
});
