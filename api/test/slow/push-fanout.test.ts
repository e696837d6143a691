import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gql, signup, type TestUser } from '../support/clients.ts';
import { createGroup, send } from '../support/conversations.ts';
import { connectSql, createTestDatabase } from '../support/database.ts';
import { startPushService, type BrowserSubscription, type PushServiceStub } from '../support/push-service.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { waitUntil } from '../support/waits.ts';

/**
 * The closing figures of the Web Push issue: for one message to a group of 1,000 people, each with
 * a browser subscribed, the time from the send's answer to the push service receiving each POST
 * (p50, p99); and a send's latency with and without pushes. The members are written with SQL (a
 * thousand password hashes would be the test's whole time); the sends go through GraphQL.
 */

const RECIPIENTS = 1_000;
const SUBJECT = 'mailto:push-bench@example.com';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let sql: pg.Client;
let pushService: PushServiceStub;
let publicKey = '';

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({
    databaseUrl: database.url,
    env: { PUSH_ENDPOINT_ALLOW: '127.0.0.1', VAPID_SUBJECT: SUBJECT, MAX_GROUP_MEMBERS: String(RECIPIENTS + 1) },
  });
  sql = await connectSql(database.url);
  pushService = await startPushService({ publicKey: () => publicKey, subject: SUBJECT });
});

afterAll(async () => {
  await pushService?.close();
  await sql?.end();
  await server?.stop();
  await database?.drop();
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function sendTimes(from: TestUser, conversationId: string, count: number) {
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await send(server, from, conversationId, `timed ${index}`);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

it(`pushes one group message to ${RECIPIENTS} people`, async () => {
  const alice = await signup(server);
  const bob = await signup(server);
  publicKey = (await gql<{ pushPublicKey: string }>(server, '{ pushPublicKey }', {}, { token: alice.token })).data!.pushPublicKey;
  const group = await createGroup(server, alice, 'Everyone', [bob]);
  // The other members, each with a session and a browser subscription.
  const browsers: BrowserSubscription[] = Array.from({ length: RECIPIENTS - 1 }, () => pushService.subscribe());
  const bobBrowser = pushService.subscribe();
  await sql.query(
    `WITH made AS (
       INSERT INTO users (username, username_key, email, password_hash)
       SELECT 'member' || i, 'member' || i, 'm' || i || '@example.com', 'x' FROM generate_series(1, $1::int) i
       RETURNING id)
     INSERT INTO conversation_members (conversation_id, user_id) SELECT $2::int, id FROM made`,
    [RECIPIENTS - 1, Number(group.id)],
  );
  await sql.query(
    `WITH members AS (
       SELECT user_id, row_number() OVER (ORDER BY user_id) AS n FROM conversation_members
       WHERE conversation_id = $1 AND user_id NOT IN ($2, $3)),
     sessions AS (
       INSERT INTO sessions (id, token_hash, user_id, expires_at)
       SELECT gen_random_uuid(), sha256(convert_to(user_id::text, 'UTF8')), user_id, now() + interval '1 day' FROM members
       RETURNING id, user_id)
     INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth)
     SELECT s.user_id, s.id, b.endpoint, b.p256dh, b.auth
     FROM sessions s JOIN members m ON m.user_id = s.user_id
     JOIN unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS b(endpoint, p256dh, auth, n) ON b.n = m.n`,
    [
      Number(group.id),
      Number(alice.id),
      Number(bob.id),
      browsers.map((browser) => browser.endpoint),
      browsers.map((browser) => browser.p256dh),
      browsers.map((browser) => browser.auth),
    ],
  );
  const registered = await gql(
    server,
    `mutation ($e: String!, $p: String!, $a: String!) { registerPushSubscription(endpoint: $e, p256dh: $p, auth: $a) }`,
    { e: bobBrowser.endpoint, p: bobBrowser.p256dh, a: bobBrowser.auth },
    { token: bob.token },
  );
  expect(registered.errors).toBeUndefined();
  const everyone = [...browsers, bobBrowser];

  // @all mentions everyone: a group this big pushes mentions only by default.
  const started = performance.now();
  await send(server, alice, group.id, '@all the bench');
  const answered = performance.now();
  await waitUntil(() => everyone.every((browser) => browser.received.length === 1), 'every push', 120_000);
  const delays = everyone.map((browser) => browser.received[0]!.at - answered).sort((a, b) => a - b);
  expect(pushService.problems).toEqual([]);
  console.info(
    `send of the @all message answered in ${(answered - started).toFixed(1)} ms; the push service received the ${RECIPIENTS} POSTs after the answer: p50 ${percentile(delays, 50).toFixed(0)} ms, p99 ${percentile(delays, 99).toFixed(0)} ms, last ${delays.at(-1)!.toFixed(0)} ms`,
  );

  // A send's latency: into a group of two with no subscription, and into the big group with pushes.
  const small = await createGroup(server, alice, 'Two', [await signup(server)]);
  const without = await sendTimes(alice, small.id, 20);
  // Each of these mentions nobody: the group pushes mentions only, so they measure the send alone.
  const withPushes = await sendTimes(alice, group.id, 20);
  console.info(
    [
      `send latency without pushes: p50 ${percentile(without, 50).toFixed(1)} ms, p99 ${percentile(without, 99).toFixed(1)} ms`,
      `send latency into the ${RECIPIENTS}-member group, pushes on: p50 ${percentile(withPushes, 50).toFixed(1)} ms, p99 ${percentile(withPushes, 99).toFixed(1)} ms`,
    ].join('\n'),
  );
});
