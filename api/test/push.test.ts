import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { gql, PASSWORD, signup, signupMany, type TestUser } from './support/clients.ts';
import { createGroup, errorCode, send } from './support/conversations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { receivedPushes, startPushService, type BrowserSubscription, type PushServiceStub } from './support/push-service.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

/**
 * Web Push end to end: real sends through GraphQL, the job queue in PostgreSQL, web-push's
 * encryption and VAPID signature, and a push service over HTTPS that checks them and decrypts
 * with the browser's keys. The server's clock is the test's, for mutes, activity and quiet hours.
 */

const SUBJECT = 'mailto:push-test@example.com';
const env = {
  PUSH_ENDPOINT_ALLOW: '127.0.0.1',
  VAPID_SUBJECT: SUBJECT,
  PUSH_RETRY_DELAY: '1s',
  PUSH_RETRY_LIMIT: '3',
};
// 13:00 in Berlin, a Monday in December.
let now = Date.parse('2026-12-07T12:00:00Z');
const clock = () => now;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let sql: pg.Client;
let pushService: PushServiceStub;
let publicKey = '';

const start = () => startTestServer({ databaseUrl: database.url, env, clock });

beforeAll(async () => {
  database = await createTestDatabase();
  server = await start();
  sql = await connectSql(database.url);
  pushService = await startPushService({ publicKey: () => publicKey, subject: SUBJECT });
  const someone = await signup(server);
  publicKey = (await gql<{ pushPublicKey: string }>(server, '{ pushPublicKey }', {}, { token: someone.token })).data!
    .pushPublicKey;
});

afterAll(async () => {
  await pushService?.close();
  await sql?.end();
  await server?.stop();
  await database?.drop();
});

const register = (user: TestUser, subscription: Pick<BrowserSubscription, 'endpoint' | 'p256dh' | 'auth'>) =>
  gql<{ registerPushSubscription: boolean }>(
    server,
    `mutation ($endpoint: String!, $p256dh: String!, $auth: String!) {
      registerPushSubscription(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) }`,
    { endpoint: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth },
    { token: user.token },
  );

/** A new person with a browser subscribed and registered. */
async function subscribed(): Promise<{ user: TestUser; browser: BrowserSubscription }> {
  const user = await signup(server);
  const browser = pushService.subscribe();
  const result = await register(user, browser);
  expect(result.errors).toBeUndefined();
  return { user, browser };
}

const mutate = async (user: TestUser, query: string, variables: Record<string, unknown>) => {
  const result = await gql(server, query, variables, { token: user.token });
  expect(result.errors).toBeUndefined();
  return result.data!;
};

/** Waits until the job that decides a message's pushes has finished: what did not arrive then never will. */
async function fannedOut(messageId: string, meanwhile = () => {}) {
  await waitUntil(async () => {
    meanwhile();
    const { rows } = await sql.query(
      `SELECT state FROM pgboss.job WHERE name = 'push-fanout' AND data->>'messageId' = $1`,
      [messageId],
    );
    return rows[0]?.state === 'completed';
  }, `the pushes of message ${messageId} decided`);
}

/** How many jobs the job queue holds for a message. */
async function jobsFor(messageId: string): Promise<number> {
  const { rows } = await sql.query(`SELECT count(*)::int AS jobs FROM pgboss.job WHERE data->>'messageId' = $1`, [messageId]);
  return rows[0].jobs;
}

/** Sends, waits until its pushes are decided, and returns the message id. */
async function sendAndSettle(from: TestUser, to: string | TestUser, body: string) {
  const message = await send(server, from, to, body);
  await fannedOut(message.id);
  return message.id;
}

describe('Web Push', () => {
  it('queues no push work for a message nobody else in the conversation could get a push for', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const quiet = await send(server, alice, bob, 'nobody here has push');
    const carol = await subscribed();
    const pushed = await send(server, alice, carol.user, 'carol has push');
    await fannedOut(pushed.id);
    expect(await jobsFor(quiet.id)).toBe(0);
  });

  it('pushes a direct message, encrypted and signed, to the other person only, after it is stored', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const message = await send(server, alice.user, bob.user, 'Dinner at eight? 🍝');
    const [push] = await receivedPushes(bob.browser, 1);
    expect(push!.payload).toEqual({
      conversationId: expect.any(String),
      messageId: message.id,
      title: alice.user.username,
      body: 'Dinner at eight? 🍝',
    });
    expect(push!.ttl).toBe('86400');
    expect(push!.topic).toBe(`c${push!.payload.conversationId}`);
    expect(push!.urgency).toBe('high');
    // Whoever opens it finds the message.
    const found = await gql(
      server,
      `query ($id: ID!, $m: ID!) { conversationById(id: $id) { message(id: $m) { body } } }`,
      { id: push!.payload.conversationId, m: message.id },
      { token: bob.user.token },
    );
    expect(found.data?.conversationById.message.body).toBe('Dinner at eight? 🍝');
    await fannedOut(message.id);
    expect(alice.browser.attempts).toBe(0);
    expect(pushService.problems).toEqual([]);
  });

  it('titles a group push "sender in group", normal urgency, and cuts the preview at 140 characters', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const group = await createGroup(server, alice.user, 'Climbing', [bob.user]);
    await send(server, alice.user, group.id, 'x'.repeat(300));
    const [push] = await receivedPushes(bob.browser, 1);
    expect(push!.payload.title).toBe(`${alice.user.username} in Climbing`);
    expect([...push!.payload.body]).toHaveLength(140);
    expect(push!.urgency).toBe('normal');
    // Signed once for this push service, not once a push: the next push carries the same JWT.
    await send(server, bob.user, group.id, 'and back');
    const [back] = await receivedPushes(alice.browser, 1);
    expect(back!.jwt).toBe(push!.jwt);
  });

  it('defaults groups above 15 members to mentions only; a mention pushes with high urgency', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const others = await signupMany(server, 14);
    const group = await createGroup(server, alice.user, 'Big', [bob.user, ...others]);
    expect(group.memberCount).toBe(16);
    const level = await gql(server, `query ($id: ID!) { conversationById(id: $id) { notificationLevel } }`, { id: group.id }, { token: bob.user.token });
    expect(level.data?.conversationById.notificationLevel).toBe('MENTIONS');
    await sendAndSettle(alice.user, group.id, 'nobody in particular');
    expect(bob.browser.attempts).toBe(0);
    await send(server, alice.user, group.id, `@${bob.user.username} your turn`);
    const [push] = await receivedPushes(bob.browser, 1);
    expect(push!.payload.body).toBe(`@${bob.user.username} your turn`);
    expect(push!.urgency).toBe('high');
  });

  it('follows each person’s level: NONE silences, MENTIONS passes mentions, ALL everything', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const group = await createGroup(server, alice.user, 'Levels', [bob.user]);
    const setLevel = (level: string) =>
      mutate(bob.user, `mutation ($id: ID!, $level: NotificationLevel!) { setNotificationLevel(conversationId: $id, level: $level) { notificationLevel } }`, { id: group.id, level });
    expect(await setLevel('NONE')).toEqual({ setNotificationLevel: { notificationLevel: 'NONE' } });
    await sendAndSettle(alice.user, group.id, `@${bob.user.username} none`);
    await setLevel('MENTIONS');
    await sendAndSettle(alice.user, group.id, 'not for bob');
    expect(bob.browser.attempts).toBe(0);
    await send(server, alice.user, group.id, `@${bob.user.username} for bob`);
    await receivedPushes(bob.browser, 1);
    await setLevel('ALL');
    await send(server, alice.user, group.id, 'for everyone');
    const pushes = await receivedPushes(bob.browser, 2);
    expect(pushes.map((push) => push.payload.body)).toEqual([`@${bob.user.username} for bob`, 'for everyone']);
  });

  it('mutes until a time or until unmuted; a muted conversation still counts as unread', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const muteQuery = `mutation ($id: ID!, $until: DateTime) { muteConversation(conversationId: $id, until: $until) { muted mutedUntil unreadCount } }`;
    const first = await send(server, alice.user, bob.user, 'hello');
    await receivedPushes(bob.browser, 1);
    const conversationId = bob.browser.received[0]!.payload.conversationId;

    const forever = await mutate(bob.user, muteQuery, { id: conversationId, until: null });
    expect(forever.muteConversation).toEqual({ muted: true, mutedUntil: null, unreadCount: 1 });
    await sendAndSettle(alice.user, bob.user, 'muted forever');
    expect(bob.browser.received).toHaveLength(1);

    const unmuted = await mutate(bob.user, `mutation ($id: ID!) { unmuteConversation(conversationId: $id) { muted } }`, { id: conversationId });
    expect(unmuted.unmuteConversation.muted).toBe(false);
    const until = new Date(now + 3_600_000).toISOString();
    const hour = await mutate(bob.user, muteQuery, { id: conversationId, until });
    expect(hour.muteConversation).toEqual({ muted: true, mutedUntil: until, unreadCount: 2 });
    await sendAndSettle(alice.user, bob.user, 'muted for the hour');
    expect(bob.browser.received).toHaveLength(1);

    now += 3_600_001;
    await send(server, alice.user, bob.user, 'the hour is over');
    await receivedPushes(bob.browser, 2);
    expect(bob.browser.received[1]!.payload.body).toBe('the hour is over');
    expect(first.id).not.toBe(bob.browser.received[1]!.payload.messageId);

    const past = await gql(server, muteQuery, { id: conversationId, until: new Date(now - 1).toISOString() }, { token: bob.user.token });
    expect(errorCode(past)).toBe('BAD_USER_INPUT');
    const stranger = await signup(server);
    const notMine = await gql(server, muteQuery, { id: conversationId, until: null }, { token: stranger.token });
    expect(errorCode(notMine)).toBe('NOT_FOUND');
  });

  it('skips someone whose tab reported itself active within 60 s, and not once it is hidden or quiet', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const report = (active: boolean) => mutate(bob.user, 'mutation ($a: Boolean!) { reportActivity(active: $a) }', { a: active });
    await report(true);
    await sendAndSettle(alice.user, bob.user, 'you are looking');
    expect(bob.browser.attempts).toBe(0);
    now += 60_001;
    await send(server, alice.user, bob.user, 'a minute later');
    await receivedPushes(bob.browser, 1);
    await report(true);
    await report(false);
    await send(server, alice.user, bob.user, 'tab hidden');
    await receivedPushes(bob.browser, 2);
  });

  it('sends nothing to someone who blocked the sender', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const carol = await subscribed();
    const group = await createGroup(server, alice.user, 'Blocked', [bob.user, carol.user]);
    await mutate(bob.user, 'mutation ($u: String!) { block(username: $u) }', { u: alice.user.username });
    await send(server, alice.user, group.id, 'still in the group');
    await receivedPushes(carol.browser, 1);
    await fannedOut(carol.browser.received[0]!.payload.messageId);
    expect(bob.browser.attempts).toBe(0);
  });

  it('says "New message" when previews are off', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const settings = await mutate(bob.user, 'mutation { updateSettings(pushPreviews: false) { pushPreviews } }', {});
    expect(settings.updateSettings.pushPreviews).toBe(false);
    await send(server, alice.user, bob.user, 'the secret plan');
    const [push] = await receivedPushes(bob.browser, 1);
    expect(push!.payload.body).toBe('New message');
    expect(JSON.stringify(push!.payload)).not.toContain('secret');
  });

  it('keeps quiet hours in the person’s time zone, across midnight, with their exceptions', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const quiet = (allowDirect: boolean) =>
      mutate(
        bob.user,
        `mutation ($q: QuietHoursInput!) { updateSettings(quietHours: $q) { quietHours { start end timeZone allowDirect allowMentions } } }`,
        { q: { start: '22:00', end: '07:00', timeZone: 'Asia/Tokyo', allowDirect, allowMentions: false } },
      );
    const saved = await quiet(false);
    expect(saved.updateSettings.quietHours).toEqual({ start: '22:00', end: '07:00', timeZone: 'Asia/Tokyo', allowDirect: false, allowMentions: false });
    const group = await createGroup(server, alice.user, 'Night', [bob.user]);
    now = Date.parse('2026-12-08T14:30:00Z'); // 23:30 in Tokyo, 15:30 in Berlin
    await sendAndSettle(alice.user, bob.user, 'late direct');
    now = Date.parse('2026-12-08T21:59:00Z'); // 06:59 in Tokyo, the next day
    await sendAndSettle(alice.user, group.id, 'early group');
    expect(bob.browser.attempts).toBe(0);
    await quiet(true);
    await send(server, alice.user, bob.user, 'direct gets through');
    await receivedPushes(bob.browser, 1);
    await sendAndSettle(alice.user, group.id, 'group does not');
    expect(bob.browser.received).toHaveLength(1);
    now = Date.parse('2026-12-08T22:00:00Z'); // 07:00 in Tokyo: over
    await send(server, alice.user, group.id, 'good morning');
    await receivedPushes(bob.browser, 2);
    const cleared = await mutate(bob.user, 'mutation { updateSettings(clearQuietHours: true) { quietHours { start } } }', {});
    expect(cleared.updateSettings.quietHours).toBeNull();
    const bad = await gql(
      server,
      `mutation ($q: QuietHoursInput!) { updateSettings(quietHours: $q, pushPreviews: false) { pushPreviews } }`,
      { q: { start: '22:00', end: '07:00', timeZone: 'Nowhere/Special', allowDirect: false, allowMentions: false } },
      { token: bob.user.token },
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const { rows } = await sql.query('SELECT push_previews FROM users WHERE id = $1', [Number(bob.user.id)]);
    expect(rows[0].push_previews).toBe(true);
  });

  it('forgets a subscription the push service answers 404 or 410', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    const bobsPhone = pushService.subscribe();
    expect((await register(bob.user, bobsPhone)).errors).toBeUndefined();
    bob.browser.answers.push(410);
    bobsPhone.answers.push(404);
    await sendAndSettle(alice.user, bob.user, 'gone?');
    expect([bob.browser.attempts, bobsPhone.attempts]).toEqual([1, 1]);
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM push_subscriptions WHERE user_id = $1', [Number(bob.user.id)]);
    expect(rows[0].n).toBe(0);
    // With none left, a message to bob queues no push work at all.
    const later = await send(server, alice.user, bob.user, 'nobody there');
    expect(await jobsFor(later.id)).toBe(0);
    expect([bob.browser.attempts, bobsPhone.attempts]).toEqual([1, 1]);
  });

  it('retries 429 and 5xx with backoff from the job queue', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    bob.browser.answers.push(429, 500);
    await send(server, alice.user, bob.user, 'eventually');
    const [push] = await receivedPushes(bob.browser, 1, 20_000);
    expect(push!.payload.body).toBe('eventually');
    expect(bob.browser.attempts).toBe(3);
  });

  it('refuses endpoints that are not https on an allowed host, storing nothing', async () => {
    const bob = await signup(server);
    const browser = pushService.subscribe();
    const refused = [
      browser.endpoint.replace('https:', 'http:'),
      'https://example.com/push/1',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/push',
      'not a url',
      `https://user:pw@127.0.0.1/push`,
    ];
    for (const endpoint of refused) {
      const result = await register(bob, { ...browser, endpoint });
      expect(errorCode(result), endpoint).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.field).toBe('endpoint');
    }
    expect(errorCode(await register(bob, { ...browser, p256dh: 'abc' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await register(bob, { ...browser, auth: 'x'.repeat(40) }))).toBe('BAD_USER_INPUT');
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM push_subscriptions WHERE user_id = $1', [Number(bob.id)]);
    expect(rows[0].n).toBe(0);
  });

  it('keeps 10 subscriptions a person, dropping the oldest, and logging out removes the session’s', async () => {
    const bob = await signup(server);
    const browsers = Array.from({ length: 11 }, () => pushService.subscribe());
    for (const browser of browsers) expect((await register(bob, browser)).errors).toBeUndefined();
    const stored = async () =>
      (await sql.query('SELECT endpoint FROM push_subscriptions WHERE user_id = $1', [Number(bob.id)])).rows.map((row) => row.endpoint);
    expect((await stored()).sort()).toEqual(browsers.slice(1).map((browser) => browser.endpoint).sort());
    const unregistered = await mutate(bob, 'mutation ($e: String!) { unregisterPushSubscription(endpoint: $e) }', { e: browsers[5]!.endpoint });
    expect(unregistered.unregisterPushSubscription).toBe(true);
    expect(await stored()).toHaveLength(9);
    await mutate(bob, 'mutation { logout }', {});
    expect(await stored()).toEqual([]);
  });

  it('forgets the subscriptions of a session ended from another device', async () => {
    const bob = await signup(server);
    const login = await gql<{ login: { token: string } }>(
      server,
      'mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { token } }',
      { username: bob.username, password: PASSWORD },
    );
    const phone = { ...bob, token: login.data!.login.token };
    expect((await register(phone, pushService.subscribe())).errors).toBeUndefined();
    expect((await register(bob, pushService.subscribe())).errors).toBeUndefined();
    const stored = async () =>
      Number((await sql.query('SELECT count(*) FROM push_subscriptions WHERE user_id = $1', [Number(bob.id)])).rows[0].count);
    expect(await stored()).toBe(2);
    expect((await mutate(bob, 'mutation { endOtherSessions }', {})).endOtherSessions).toBe(1);
    expect(await stored()).toBe(1);
  });

  it('signs with one key pair: made once and kept for every instance, or the one VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY give', async () => {
    const keyOf = async (target: TestServer) => {
      const someone = await signup(target);
      return (await gql<{ pushPublicKey: string }>(target, '{ pushPublicKey }', {}, { token: someone.token })).data!.pushPublicKey;
    };
    const second = await start();
    try {
      expect(await keyOf(second)).toBe(publicKey);
    } finally {
      await second.stop();
    }
    const given = webpush.generateVAPIDKeys();
    const configured = await startTestServer({
      databaseUrl: database.url,
      env: { ...env, VAPID_PUBLIC_KEY: given.publicKey, VAPID_PRIVATE_KEY: given.privateKey },
      clock,
    });
    try {
      expect(await keyOf(configured)).toBe(given.publicKey);
    } finally {
      await configured.stop();
    }
  });

  it('never makes a send wait: sends take as long while the push service hangs', async () => {
    const alice = await subscribed();
    const quietPeer = await signup(server);
    const bob = await subscribed();
    const ids: string[] = [];
    const timeSends = async (to: TestUser) => {
      const times: number[] = [];
      for (let index = 0; index < 15; index += 1) {
        const started = performance.now();
        ids.push((await send(server, alice.user, to, `latency ${index}`)).id);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[7]!;
    };
    const without = await timeSends(quietPeer);
    bob.browser.answers.push(...Array<'hang'>(15).fill('hang'));
    const hanging = await timeSends(bob.user);
    await waitUntil(() => bob.browser.attempts >= 1, 'a push posted');
    bob.browser.answers.length = 0;
    // Every push answered, so that none holds a worker into the next test.
    for (const id of ids.slice(15)) await fannedOut(id, () => pushService.releaseHanging());
    console.info(`send p50: ${without.toFixed(1)} ms without pushes, ${hanging.toFixed(1)} ms while the push service hangs`);
    expect(hanging).toBeLessThan(without * 2 + 25);
  });

  it('retries a push after the instance restarts', async () => {
    const alice = await subscribed();
    const bob = await subscribed();
    bob.browser.answers.push(500);
    await send(server, alice.user, bob.user, 'survives a restart');
    await waitUntil(() => bob.browser.attempts === 1, 'the first attempt');
    await server.stop();
    server = await start();
    const [push] = await receivedPushes(bob.browser, 1, 20_000);
    expect(push!.payload.body).toBe('survives a restart');
    expect(pushService.problems).toEqual([]);
  });
});
