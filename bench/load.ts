/**
 * The load generator: a process of its own, so that the server's CPU is not
 * the generator's. It takes one job at a time from the orchestrator over IPC
 * (see protocol.ts) and answers with its measurements.
 */
import { print } from 'graphql';
import { encodeSeqCursor } from '../api/src/services/cursors.ts';
import { ConversationMessagesQuery, ConversationsQuery } from '../web/src/lib/graphql/documents.ts';
import { openLoop } from './lib/open-loop.ts';
import type { Account, HistoryResult, HoldResult, Job, JobResult, LiveRun } from './lib/protocol.ts';
import { now, summarize } from './lib/stats.ts';
import {
  compatEndpoint,
  graphqlEndpoint,
  relayEndpoint,
  type Endpoint,
  type ErrorCount,
  type Receive,
  type SendTarget,
  browserAgent,
  postGraphQL,
} from './lib/targets.ts';

/**
 * The run in progress. A message's body is `<tag>:<index>`; each of `slots`
 * receivers (one for a pair, each connected member of a group) may hear it
 * once, and `perMessage` of them should (a group's sender does not count).
 */
interface Recording {
  tag: string;
  slots: number;
  perMessage: number;
  scheduledAt: Float64Array;
  seen: Uint8Array;
  heard: Uint16Array;
  latencies: number[];
  duplicates: number;
  lastDeliveryAt: number;
}

/** Who sends to whom, taken in turn by a run. */
interface Route {
  from: Endpoint;
  target: SendTarget;
}

const errors: ErrorCount = { count: 0 };
let recording: Recording | undefined;
let endpoints: Endpoint[] = [];
let routes: Route[] = [];
let slots = 1;
let held: Array<{ username: string; endpoint: Endpoint }> = [];
let hub: Endpoint | undefined;

const receiver =
  (slot: number): Receive =>
  (body) => {
    const separator = body.lastIndexOf(':');
    const index = Number(body.slice(separator + 1));
    if (!recording || body.slice(0, separator) !== recording.tag) return;
    const key = index * recording.slots + slot;
    if (recording.seen[key]) {
      recording.duplicates++;
      return;
    }
    recording.seen[key] = 1;
    recording.heard[index]!++;
    recording.lastDeliveryAt = now();
    recording.latencies.push(recording.lastDeliveryAt - recording.scheduledAt[index]!);
  };

function startRecording(tag: string, total: number): Recording {
  recording = {
    tag,
    slots,
    perMessage: slots === 1 ? 1 : slots - 1,
    scheduledAt: new Float64Array(total),
    seen: new Uint8Array(total * slots),
    heard: new Uint16Array(total),
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
    const receive = receiver(0);
    if (job.protocol === 'http' || job.protocol === 'graphql')
      return graphqlEndpoint(url, me, job.protocol === 'http' ? 'http' : 'socket', receive, errors);
    if (job.protocol === 'compat') return compatEndpoint(url, me, peer.username, receive, errors);
    return relayEndpoint(url, me, receive);
  };
  const [urlA, urlB] = [job.urls[0]!, job.urls[1 % job.urls.length]!];
  const connected = await Promise.all(
    job.pairs.map(([a, b]) => Promise.all([open(urlA, a, b), open(urlB, b, a)])),
  );
  endpoints = connected.flat();
  slots = 1;
  routes = [
    ...connected.map(([a], index) => ({ from: a, target: { to: job.pairs[index]![1].username } })),
    ...connected.map(([, b], index) => ({ from: b, target: { to: job.pairs[index]![0].username } })),
  ];
  await untilEveryoneHears(`ready-${job.warmUp.tag}`);
  return run({ type: 'run', ...job.warmUp });
}

/** The group workload: each member a slot of its own; all of them send to the group in turn. */
async function group(job: Extract<Job, { type: 'group' }>) {
  endpoints = await Promise.all(
    job.members.map((member, slot) => graphqlEndpoint(job.url, member, 'http', receiver(slot), errors)),
  );
  slots = endpoints.length;
  routes = endpoints.map((from) => ({ from, target: { conversationId: job.conversationId } }));
  await untilEveryoneHears(`ready-${job.warmUp.tag}`);
  return run({ type: 'run', ...job.warmUp });
}

/**
 * A subscription without a cursor hears what is sent once it is live, and the
 * server makes it live a little after the socket opens. Each route sends until
 * all its receivers have heard it, so that runs measure live delivery.
 */
async function untilEveryoneHears(tag: string) {
  const heard = startRecording(tag, routes.length);
  const done = () => heard.heard.every((count) => count === heard.perMessage);
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`only ${heard.latencies.length} ready deliveries heard`);
    routes.forEach(({ from, target }, index) => {
      if (heard.heard[index] === heard.perMessage) return;
      heard.scheduledAt[index] = now();
      void from.send(target, `${tag}:${index}`, `${tag}-${index}-${Date.now()}`);
    });
    await settle(done, () => heard.latencies.length, 500);
  }
}

/** Messages along the routes at `rate`, open loop, then waits for the stragglers. */
async function run(job: Extract<Job, { type: 'run' }>): Promise<LiveRun> {
  const total = Math.floor((job.rate * job.durationMs) / 1000);
  const run = startRecording(job.tag, total);
  const errorsBefore = errors.count;
  let accepted = 0;
  let settled = 0;
  const loop = await openLoop(job.rate, job.durationMs, (index, scheduledAt) => {
    const { from, target } = routes[index % routes.length]!;
    run.scheduledAt[index] = scheduledAt;
    void from.send(target, `${job.tag}:${index}`, `${job.tag}-${index}`).then((ok) => {
      if (ok) accepted++;
      settled++;
    });
  });
  await settle(
    () => settled === total && run.latencies.length >= accepted * run.perMessage,
    () => settled + run.latencies.length,
  );
  return {
    offered: job.rate,
    fired: Math.round((loop.fired * 1000) / loop.elapsedMs),
    delivering: Math.round((run.latencies.length * 1000) / (run.lastDeliveryAt - run.scheduledAt[0]!)),
    sent: total,
    accepted,
    errors: errors.count - errorsBefore + total - accepted,
    fanout: run.perMessage,
    delivered: run.latencies.length,
    duplicates: run.duplicates,
    lost: accepted * run.perMessage - run.latencies.length,
    lag: loop.lag,
    latency: summarize(run.latencies),
  };
}

/** Memory: every person on a socket of their own holding what the web client holds, one `events` stream. */
async function hold(job: Extract<Job, { type: 'hold' }>): Promise<HoldResult> {
  if (job.hub) hub = await graphqlEndpoint(job.url, job.hub, 'http', () => undefined, errors);
  const started = performance.now();
  const queue = [...job.people];
  const before = held.length;
  let retries = 0;
  /** As the web client does when a connection fails: again, after a growing pause, a few times. */
  const open = async (person: Account, attempt = 0): Promise<Endpoint> => {
    try {
      return await graphqlEndpoint(job.url, person, 'http', receiver(0), errors);
    } catch (error) {
      if (attempt >= 5) throw error;
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      return open(person, attempt + 1);
    }
  };
  const connectNext = async (): Promise<void> => {
    const person = queue.shift();
    if (!person) return;
    held.push({ username: person.username, endpoint: await open(person) });
    return connectNext();
  };
  await Promise.all(Array.from({ length: 64 }, connectNext));
  return { sockets: held.length - before, connectMs: Math.round(performance.now() - started), retries };
}

/** Then: the hub sends to people held, picked at random, and each must hear it once. */
async function deliver(job: Extract<Job, { type: 'deliver' }>) {
  const from = hub!;
  slots = 1;
  routes = Array.from({ length: job.count }, () => ({
    from,
    target: { to: held[Math.floor(Math.random() * held.length)]!.username },
  }));
  return run({ type: 'run', rate: job.rate, durationMs: (job.count * 1000) / job.rate, tag: job.tag });
}

/**
 * History as people read it: the newest page and older pages of conversations
 * and positions picked at random, the chat list, and `{ __typename }` as the floor.
 */
async function history(job: Extract<Job, { type: 'history' }>): Promise<HistoryResult> {
  const agent = browserAgent();
  const post = async (query: string, variables: Record<string, unknown> = {}) => {
    const started = now();
    const result = await postGraphQL(agent, job.url, job.viewer, { query, variables });
    if (!result.data || result.errors) throw new Error(`history query failed: ${JSON.stringify(result)}`);
    return { ms: now() - started, data: result.data };
  };
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const messages = print(ConversationMessagesQuery);
  let messagesRead = 0;
  const page = async (before: string | null) => {
    const { ms, data } = await post(messages, { id: pick(job.conversationIds), before });
    messagesRead += (data.conversationById as { messages: { edges: unknown[] } }).messages.edges.length;
    return ms;
  };
  const olderPage = () =>
    page(encodeSeqCursor(51 + Math.floor(Math.random() * Math.max(1, job.messagesEach - 50))));
  const chatList = async () => (await post(print(ConversationsQuery), { after: null })).ms;
  const typename = async () => (await post('{ __typename }')).ms;
  const measure = async (times: number, sample: () => Promise<number>) => {
    for (let repeat = 0; repeat < 10; repeat++) await sample(); // unmeasured: lazy paths, plan caches
    const samples: number[] = [];
    for (let repeat = 0; repeat < times; repeat++) samples.push(await sample());
    return summarize(samples);
  };
  const result = {
    typename: await measure(job.pages, typename),
    newest: await measure(job.pages, () => page(null)),
    older: await measure(job.pages, olderPage),
    conversations: await measure(Math.ceil(job.pages / 4), chatList),
    messagesRead,
  };
  agent.destroy();
  return result;
}

async function close() {
  await Promise.all([
    ...endpoints.map((endpoint) => endpoint.close()),
    ...held.map(({ endpoint }) => endpoint.close()),
    hub?.close(),
  ]);
  endpoints = [];
  routes = [];
  held = [];
  hub = undefined;
  return null;
}

const handlers: { [K in Job['type']]: (job: Extract<Job, { type: K }>) => Promise<JobResult> } = {
  connect,
  group,
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
