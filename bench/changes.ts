/**
 * `npm run bench:changes`: what edits, deletions and reactions cost. One at a time on the real
 * process over HTTP (as the web client sends them), it times each mutation and the moment the
 * other member's `events` stream brings the change; then 256 members of one group react to one
 * message at once, timed until every member's stream shows the final state; and a plain send
 * with the same timings, to set beside the ones before these features (docs/scaling.md).
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { freePort } from '../api/test/support/ports.ts';
import { createBenchDatabase, seedPeople } from './lib/database.ts';
import { startChatServer } from './lib/processes.ts';
import type { Account } from './lib/protocol.ts';
import { now, summarize } from './lib/stats.ts';
import { browserAgent, graphqlClient, postGraphQL } from './lib/targets.ts';

const ROUNDS = Number(process.env.BENCH_CHANGES_ROUNDS ?? 200);
const GROUP = 256;
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = await createBenchDatabase(serverUrl);
const server = await startChatServer(await freePort(), {
  DATABASE_URL: database.url,
  REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: `chat-changes-${randomBytes(3).toString('hex')}:`,
  SENDS_PER_USER_BURST: '1000000',
  SENDS_PER_USER_PER_MINUTE: '100000000',
});
const agent = browserAgent();
const clients: Client[] = [];

async function call(me: Account, query: string, variables: Record<string, unknown>) {
  const result = await postGraphQL(agent, server.url, me, { query, variables });
  if (result.errors || !result.data) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

/** `me`'s events stream: each arriving message state, by id, to whoever waits for it. */
async function stream(me: Account) {
  const client = await graphqlClient(server.url, me);
  clients.push(client);
  const waiters = new Map<string, (state: { body: string; reactions: Array<{ count: number }> }) => boolean>();
  const latest = new Map<string, number>();
  client.subscribe<{ events: { message?: { id: string; body: string; reactions: Array<{ count: number }> } } }>(
    {
      query: `subscription { events { ... on MessageEvent { message { id body reactions { count } } }
        ... on MessageUpdatedEvent { message { id body reactions { count } } } } }`,
    },
    {
      next: ({ data }) => {
        const message = data?.events.message;
        if (!message) return;
        latest.set(message.id, message.reactions.reduce((sum, reaction) => sum + reaction.count, 0));
        if (waiters.get(message.id)?.(message)) waiters.delete(message.id);
      },
      error: (error) => console.error('events failed', error),
      complete: () => undefined,
    },
  );
  const arrival = (id: string, done: (state: { body: string; reactions: Array<{ count: number }> }) => boolean) =>
    new Promise<number>((resolve) => waiters.set(id, (state) => (done(state) ? (resolve(now()), true) : false)));
  return { arrival, latest };
}

const SEND = 'mutation ($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id } }';
const EDIT = 'mutation ($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }';
const DELETE = 'mutation ($id: ID!) { deleteMessage(id: $id) { id } }';
const REACT = 'mutation ($id: ID!, $e: String!) { addReaction(messageId: $id, emoji: $e) { id } }';

/** Times `ROUNDS` mutations, one at a time, and each one's arrival on the other member's stream. */
async function timed(label: string, round: (index: number) => Promise<{ started: number; answered: number; heard: Promise<number> }>) {
  const mutation: number[] = [];
  const delivery: number[] = [];
  for (let index = -20; index < ROUNDS; index++) {
    const { started, answered, heard } = await round(index);
    const arrived = await heard;
    if (index < 0) continue; // warm-up
    mutation.push(answered - started);
    delivery.push(arrived - started);
  }
  return { label, mutation: summarize(mutation), delivery: summarize(delivery) };
}

try {
  const people = await seedPeople(database.sql, `c${randomBytes(2).toString('hex')}_`, GROUP);
  const [alice, bob] = people as [Account, Account];
  const group = (await call(alice, 'mutation ($m: [String!]!) { createGroup(title: "changes", members: $m) { id } }', {
    m: people.slice(1).map((person) => person.username),
  })) as { createGroup: { id: string } };
  const conversationId = group.createGroup.id;
  const bobSees = await stream(bob);
  const sent = async (body: string) =>
    ((await call(alice, SEND, { c: conversationId, b: body })) as { sendMessage: { id: string } }).sendMessage.id;

  const rows = [
    await timed('plain send (sendMessage)', async (index) => {
      const body = `plain ${index}`;
      const started = now();
      const id = await sent(body);
      return { started, answered: now(), heard: bobSees.arrival(id, () => true) };
    }),
    await timed('editMessage', async (index) => {
      const id = await sent(`to edit ${index}`);
      const heard = bobSees.arrival(id, (state) => state.body === `edited ${index}`);
      const started = now();
      await call(alice, EDIT, { id, b: `edited ${index}` });
      return { started, answered: now(), heard };
    }),
    await timed('deleteMessage', async (index) => {
      const id = await sent(`to delete ${index}`);
      const heard = bobSees.arrival(id, (state) => state.body === '');
      const started = now();
      await call(alice, DELETE, { id });
      return { started, answered: now(), heard };
    }),
    await timed('addReaction', async (index) => {
      const id = await sent(`to react to ${index}`);
      const heard = bobSees.arrival(id, (state) => state.reactions.length === 1);
      const started = now();
      await call(alice, REACT, { id, e: '👍' });
      return { started, answered: now(), heard };
    }),
  ];
  console.log('| one at a time, 256-member group, ms | mutation p50 | p99 | to the other member’s event p50 | p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const { label, mutation, delivery } of rows)
    console.log(`| ${label} | ${mutation.p50} | ${mutation.p99} | ${delivery.p50} | ${delivery.p99} |`);

  // Every member with a stream, then all of them react to one message at the same moment.
  const streams = [bobSees, ...(await Promise.all(people.filter((person) => person !== bob).map(stream)))];
  const target = await sent('react, all of you');
  const started = now();
  const answers = await Promise.allSettled(
    people.map((person, index) => call(person, REACT, { id: target, e: index % 4 ? '👍' : '❤️' })),
  );
  const answered = now();
  const refused = answers.filter((answer) => answer.status === 'rejected').length;
  const deadline = Date.now() + 60_000;
  while (streams.some((member) => member.latest.get(target) !== GROUP - refused) && Date.now() < deadline)
    await new Promise((tick) => setTimeout(tick, 5));
  const settled = now();
  const final = streams.filter((member) => member.latest.get(target) === GROUP - refused).length;
  console.log(
    `\n${GROUP} members reacting at once: ${GROUP - refused} reactions stored, ${refused} refused; ` +
      `all answered in ${Math.round(answered - started)} ms; ${final} of ${GROUP} streams showed the final ` +
      `count after ${Math.round(settled - started)} ms`,
  );
} finally {
  await Promise.all(clients.map(async (client) => client.dispose()));
  agent.destroy();
  await server.stop();
  await database.drop();
}
