import type { Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import { connected, gql, PASSWORD, signup, wsClient, type TestUser } from './support/clients.ts';
import { postForm, sessionCookie } from './support/compat-clients.ts';
import { createTestDatabase } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

const SESSIONS = '{ me { sessions { id current createdAt lastActiveAt device address } } }';

interface WireSession {
  id: string;
  current: boolean;
  device: string | null;
  address: string | null;
}

const context = useTestServer();
const server = () => context.server;

async function login(target: TestServer, username: string, userAgent: string, password = PASSWORD) {
  const result = await gql<{ login: { token: string } }>(
    target,
    'mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { token } }',
    { username, password },
    { headers: { 'user-agent': userAgent } },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.login.token;
}

const sessionsOf = async (token: string, target: TestServer = server()) =>
  (await gql<{ me: { sessions: WireSession[] } }>(target, SESSIONS, {}, { token })).data!.me.sessions;

const me = async (token: string, target: TestServer = server()) =>
  (await gql(target, '{ me { username } }', {}, { token })).data!.me as { username: string } | null;

/** The close code a connected graphql-ws client gets, or a rejection at the deadline. */
function closeCode(client: Client, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    client.on('closed', (event) => {
      clearTimeout(timer);
      resolve((event as { code: number }).code);
    });
  });
}

describe('devices and sessions', () => {
  it('lists each sign-in with its device and address, this one marked', async () => {
    const alice = await signup(server());
    const firefox = await login(server(), alice.username, FIREFOX_LINUX);
    await login(server(), alice.username, SAFARI_IOS);
    const sessions = await sessionsOf(firefox);
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((session) => session.current)).toEqual([
      expect.objectContaining({ device: 'Firefox on Linux', address: '127.0.0.1' }),
    ]);
    expect(sessions.map((session) => session.device).sort()).toEqual(['Firefox on Linux', 'Mobile Safari on iOS', null]);
  });

  it('shows nobody else’s sessions or email', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const result = await gql<{ users: { edges: Array<{ node: unknown }> }; me: { email: string } }>(
      server(),
      'query ($search: String!) { me { email } users(first: 5, search: $search) { edges { node { username email sessions { id } } } } }',
      { search: bob.username },
      { token: alice.token },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.users.edges.map((edge) => edge.node)).toEqual([{ username: bob.username, email: null, sessions: [] }]);
    expect(result.data!.me.email).toBe(`${alice.username}@example.com`);
  });

  it('ends one session, closing its sockets at once; another person’s session is NOT_FOUND', async () => {
    const [alice, mallory] = await Promise.all([signup(server()), signup(server())]);
    const laptop = await login(server(), alice.username, FIREFOX_LINUX);
    const socket = await context.openClient({ ...alice, token: laptop });
    const closed = closeCode(socket);
    const laptopId = (await sessionsOf(laptop)).find((session) => session.current)!.id;

    const stolen = await gql(server(), 'mutation ($id: ID!) { endSession(id: $id) }', { id: laptopId }, { token: mallory.token });
    expect(stolen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const garbage = await gql(server(), 'mutation { endSession(id: "not-a-uuid") }', {}, { token: mallory.token });
    expect(garbage.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await me(laptop)).toEqual({ username: alice.username });

    const ended = await gql(server(), 'mutation ($id: ID!) { endSession(id: $id) }', { id: laptopId }, { token: alice.token });
    expect(ended.data).toEqual({ endSession: true });
    expect(await closed).toBe(4403);
    expect(await me(laptop)).toBeNull();
    expect(await me(alice.token)).toEqual({ username: alice.username });
  });
});

describe('signing out every other session', () => {
  const disposers: Array<() => unknown> = [];
  afterAll(async () => {
    for (const dispose of disposers.reverse()) await dispose();
  });

  it('closes the other sessions’ sockets on every instance and keeps this one', async () => {
    const database = await createTestDatabase();
    disposers.push(() => database.drop());
    const prefix = uniqueRedisPrefix();
    // Sessions cached for longer than the test: only the revocation can end them on `two`.
    const env = { SESSION_CACHE_TTL: '1h' };
    const [one, two] = await Promise.all(
      [0, 1].map(async () => {
        const started = await startTestServer({ databaseUrl: database.url, redis: { url: testRedisUrl(), prefix }, env });
        disposers.push(() => started.stop());
        return started;
      }),
    );
    const alice = await signup(one!);
    const others = await Promise.all([login(one!, alice.username, SAFARI_IOS), login(two!, alice.username, FIREFOX_LINUX)]);
    const sockets: Client[] = [];
    for (const [target, token] of [
      [one!, others[0]],
      [two!, others[0]],
      [two!, others[1]],
    ] as const) {
      const client = wsClient(target, token);
      disposers.push(() => client.dispose());
      await connected(client);
      sockets.push(client);
    }
    const mine = wsClient(two!, alice.token);
    disposers.push(() => mine.dispose());
    await connected(mine);
    for (const token of others) expect(await me(token, two)).toEqual({ username: alice.username });
    const closes = sockets.map((socket) => closeCode(socket));
    let mineClosed = false;
    mine.on('closed', () => (mineClosed = true));

    const result = await gql(one!, 'mutation { endOtherSessions }', {}, { token: alice.token });
    expect(result.data).toEqual({ endOtherSessions: 2 });
    expect(await Promise.all(closes)).toEqual([4403, 4403, 4403]);
    for (const token of others) expect(await me(token, two)).toBeNull();
    expect(await me(alice.token, two)).toEqual({ username: alice.username });
    expect(mineClosed).toBe(false);
    expect((await sessionsOf(alice.token, two)).map((session) => session.current)).toEqual([true]);
  });
});

describe('changing the password', () => {
  const change = (user: TestUser, currentPassword: string, newPassword: string) =>
    gql(
      server(),
      'mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
      { c: currentPassword, n: newPassword },
      { token: user.token },
    );

  it('needs the current password and the signup rules, and changes nothing otherwise', async () => {
    const alice = await signup(server());
    const wrong = await change(alice, 'not-my-password-1', 'Meadow-Violin-2044');
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const weak = await change(alice, PASSWORD, 'password1');
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(await login(server(), alice.username, FIREFOX_LINUX)).toBeTruthy();
  });

  it('counts a wrong current password as a failed login', async () => {
    const alice = await signup(server());
    // LOGIN_FAILURES_PER_ACCOUNT_ADDRESS is 5: the sixth guess is refused before it is checked.
    const codes: string[] = [];
    for (let attempt = 0; attempt < 6; attempt++)
      codes.push(String((await change(alice, `wrong-guess-${attempt}x`, 'Meadow-Violin-2044')).errors?.[0]?.extensions?.code));
    expect(codes).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
  });

  it('ends every other session, sockets included; the new password works here and on the original pages', async () => {
    const alice = await signup(server());
    const phone = await login(server(), alice.username, SAFARI_IOS);
    const socket = await context.openClient({ ...alice, token: phone });
    const closed = closeCode(socket);
    expect((await change(alice, PASSWORD, 'Meadow-Violin-2044')).data).toEqual({ changePassword: true });
    expect(await closed).toBe(4403);
    expect(await me(phone)).toBeNull();
    expect(await me(alice.token)).toEqual({ username: alice.username });
    await expect(login(server(), alice.username, FIREFOX_LINUX)).rejects.toThrow(/UNAUTHENTICATED/);
    expect(await login(server(), alice.username, FIREFOX_LINUX, 'Meadow-Violin-2044')).toBeTruthy();
    const compat = await postForm(server(), '/login/', { username: alice.username, password: 'Meadow-Violin-2044' });
    expect(sessionCookie(compat.response)).toBeTruthy();
  });
});
