/**
 * The load generator: a process of its own, so that the server's CPU is not
 * the generator's. It takes one job at a time from the orchestrator over IPC
 * (see protocol.ts) and answers with its measurements.
 */
import { print } from 'graphql';
import { encodeSeqCursor } from '../api/src/domain/cursors.ts';
import { ConversationMessagesQuery, ConversationsQuery } from '../web/src/lib/graphql/documents/conversations.ts';
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
 * Who sends to whom, taken in turn by a run: message `index` goes along
 * `routes[index % routes.length]`, to the endpoints in the slots `recipients`.
 */
interface Route {
  from: Endpoint;
  target: SendTarget;
  recipients: number[];
}

/**
 * The run in progress. Each message has an identity, its body `<tag>:<index>`,
 * and each endpoint that can hear one has a slot of its own (its identity as a
 * recipient), so that every receipt is counted against that message's route:
 * the first by an intended recipient is a delivery, another by the same one a
 * duplicate, one by anybody else a misdelivery. Nothing is a difference of totals.
 */
interface Recording {
  tag: string;
  routes: Route[];
  /** Whether the route's `recipients[position]` has received message `index`: `receipts[index * width + position]`. */
  width: number;
  receipts: Uint8Array;
  /** Intended recipients that heard each message at least once. */
  heard: Uint16Array;
  /** Each send's outcome: 0 not answered (yet), 1 accepted, 2 refused or failed. */
  outcome: Uint8Array;
  /** Deliveries that accepted messages still owe, kept as receipts and acceptances come in. */
  owed: number;
  scheduledAt: Float64Array;
  latencies: number[];
  duplicates: number;
  misdelivered: number;
  lastDeliveryAt: number;
}

const ACCEPTED = 1;
const REFUSED = 2;

const errors: ErrorCount = { count: 0 };
let recording: Recording | undefined;
let endpoints: Endpoint[] = [];
let routes: Route[] = [];
let held: Array<{ username: string; endpoint: Endpoint }> = [];
let hub: Endpoint | undefined;

/** What the endpoint in `slot` hands on: every message someone else sent it. */
const receiver =
  (slot: number): Receive =>
  (body) => {
    const separator = body.lastIndexOf(':');
    const index = Number(body.slice(separator + 1));
    if (!recording || body.slice(0, separator) !== recording.tag) return;
    const position = recording.routes[index % recording.routes.length]!.recipients.indexOf(slot);
    if (position === -1) {
      recording.misdelivered++;
      return;
    }
    const key = index * recording.width + position;
    if (recording.receipts[key]! > 0) {
      recording.duplicates++;
      return;
    }
    recording.receipts[key] = 1;
    recording.heard[index]!++;
    if (recording.outcome[index] === ACCEPTED) recording.owed--;
    recording.lastDeliveryAt = now();
    recording.latencies.push(recording.lastDeliveryAt - recording.scheduledAt[index]!);
  };

function startRecording(tag: string, total: number): Recording {
  const width = Math.max(1, ...routes.map((route) => route.recipients.length));
  recording = {
    tag,
    routes,
    width,
    receipts: new Uint8Array(total * width),
    heard: new Uint16Array(total),
    outcome: new Uint8Array(total),
    owed: 0,
    scheduledAt: new Float64Array(total),
    latencies: [],
    duplicates: 0,
    misdelivered: 0,
    lastDeliveryAt: 0,
  };
  return recording;
}

const recipientsOf = (run: Recording, index: number) =>
  run.routes[index % run.routes.length]!.recipients.length;

/** A send's outcome; an accepted message owes a delivery to each of its recipients that has not heard it yet. */
function settleSend(run: Recording, index: number, accepted: boolean) {
  run.outcome[index] = accepted ? ACCEPTED : REFUSED;
  if (accepted) run.owed += recipientsOf(run, index) - run.heard[index]!;
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
  // The pair at `index` holds slots 2 × index (its first person) and 2 × index + 1.
  const open = (url: string, me: Account, peer: Account, slot: number): Promise<Endpoint> => {
    const receive = receiver(slot);
    if (job.protocol === 'http' || job.protocol === 'graphql')
      return graphqlEndpoint(url, me, job.protocol === 'http' ? 'http' : 'socket', receive, errors);
    if (job.protocol === 'compat') return compatEndpoint(url, me, peer.username, receive, errors);
    return relayEndpoint(url, me, receive);
  };
  const [urlA, urlB] = [job.urls[0]!, job.urls[1 % job.urls.length]!];
  const connected = await Promise.all(
    job.pairs.map(([a, b], index) =>
      Promise.all([open(urlA, a, b, 2 * index), open(urlB, b, a, 2 * index + 1)]),
    ),
  );
  endpoints = connected.flat();
  routes = [
    ...connected.map(([a], index) => ({
      from: a,
      target: { to: job.pairs[index]![1].username },
      recipients: [2 * index + 1],
    })),
    ...connected.map(([, b], index) => ({
      from: b,
      target: { to: job.pairs[index]![0].username },
      recipients: [2 * index],
    })),
  ];
  await untilEveryoneHears(`ready-${job.warmUp.tag}`);
  return run({ type: 'run', ...job.warmUp });
}

/** The group workload: each member a slot of its own; all of them send to the group in turn, heard by the others. */
async function group(job: Extract<Job, { type: 'group' }>) {
  endpoints = await Promise.all(
    job.members.map((member, slot) => graphqlEndpoint(job.url, member, 'http', receiver(slot), errors)),
  );
  const slots = endpoints.map((_, slot) => slot);
  routes = endpoints.map((from, sender) => ({
    from,
    target: { conversationId: job.conversationId },
    recipients: slots.filter((slot) => slot !== sender),
  }));
  await untilEveryoneHears(`ready-${job.warmUp.tag}`);
  return run({ type: 'run', ...job.warmUp });
}

/**
 * A subscription without a cursor hears what is sent once it is live, and the
 * server makes it live a little after the socket opens. Each route sends until
 * all its recipients have heard it, so that runs measure live delivery.
 */
async function untilEveryoneHears(tag: string) {
  const ready = startRecording(tag, routes.length);
  const everyone = (index: number) => ready.heard[index] === routes[index]!.recipients.length;
  const done = () => routes.every((_, index) => everyone(index));
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`only ${ready.latencies.length} ready deliveries heard`);
    routes.forEach(({ from, target }, index) => {
      if (everyone(index)) return;
      ready.scheduledAt[index] = now();
      from.send(target, `${tag}:${index}`, `${tag}-${index}-${Date.now()}`).catch(() => errors.count++);
    });
    await settle(done, () => ready.latencies.length, 500);
  }
}

/** Messages along the routes at `rate`, open loop, then waits for the stragglers. */
async function run(job: Extract<Job, { type: 'run' }>): Promise<LiveRun> {
  const total = Math.floor((job.rate * job.durationMs) / 1000);
  const run = startRecording(job.tag, total);
  const errorsBefore = errors.count;
  let settled = 0;
  const loop = await openLoop(job.rate, job.durationMs, (index, scheduledAt) => {
    const { from, target } = routes[index % routes.length]!;
    run.scheduledAt[index] = scheduledAt;
    from.send(target, `${job.tag}:${index}`, `${job.tag}-${index}`).then(
      (ok) => {
        settleSend(run, index, ok);
        settled++;
      },
      // Counted below with the refused ones.
      () => {
        settleSend(run, index, false);
        settled++;
      },
    );
  });
  await settle(
    () => settled === total && run.owed === 0,
    () => settled + run.latencies.length,
  );
  // Counted message by message: an accepted one is lost if any of its recipients never heard it.
  let accepted = 0;
  let expected = 0;
  let lost = 0;
  const refused: number[] = [];
  for (let index = 0; index < total; index++) {
    if (run.outcome[index] !== ACCEPTED) {
      refused.push(index);
      continue;
    }
    accepted++;
    expected += recipientsOf(run, index);
    if (run.heard[index]! < recipientsOf(run, index)) lost++;
  }
  return {
    offered: job.rate,
    fired: Math.round((loop.fired * 1000) / loop.elapsedMs),
    delivering: Math.round((run.latencies.length * 1000) / (run.lastDeliveryAt - run.scheduledAt[0]!)),
    sent: total,
    accepted,
    refused,
    errors: errors.count - errorsBefore + total - accepted,
    expected,
    delivered: run.latencies.length,
    lost,
    duplicates: run.duplicates,
    misdelivered: run.misdelivered,
    lag: loop.lag,
    latency: summarize(run.latencies),
  };
}

/** Memory: every person on a socket of their own holding what the web client holds, one `events` stream. */
async function hold(job: Extract<Job, { type: 'hold' }>): Promise<HoldResult> {
  if (job.hub) hub = await graphqlEndpoint(job.url, job.hub, 'http', () => undefined, errors);
  const started = performance.now();
  const before = held.length;
  let next = 0;
  let retries = 0;
  /** As the web client does when a connection fails: again, after a growing pause, a few times. */
  const open = async (person: Account, slot: number, attempt = 0): Promise<Endpoint> => {
    try {
      return await graphqlEndpoint(job.url, person, 'http', receiver(slot), errors);
    } catch (error) {
      if (attempt >= 5) throw error;
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      return open(person, slot, attempt + 1);
    }
  };
  // A person held is the recipient in the slot of their place in `held`.
  const connectNext = async (): Promise<void> => {
    const index = next++;
    const person = job.people[index];
    if (!person) return;
    const slot = before + index;
    held[slot] = { username: person.username, endpoint: await open(person, slot) };
    return connectNext();
  };
  await Promise.all(Array.from({ length: 64 }, connectNext));
  return { sockets: held.length - before, connectMs: Math.round(performance.now() - started), retries };
}

/** Then: the hub sends to people held, picked at random, and each must hear it once. */
async function deliver(job: Extract<Job, { type: 'deliver' }>) {
  const from = hub!;
  routes = Array.from({ length: job.count }, () => {
    const slot = Math.floor(Math.random() * held.length);
    return { from, target: { to: held[slot]!.username }, recipients: [slot] };
  });
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
