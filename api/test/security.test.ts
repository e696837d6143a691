import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connected,
  gql,
  PASSWORD,
  sendMessage,
  signup,
  Subscription,
  subscribeToConversation,
  uniqueName,
  wsClient,
} from './support/clients.ts';
import { createTestDatabase } from './support/database.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const servers: TestServer[] = [];
const disposers: Array<() => unknown> = [];

/**
 * A server of its own configuration on the file's database: everyone signs up with a fresh
 * name, and each server counts its rate limits apart (its own Redis prefix, or its memory).
 */
async function serverWith(env: Record<string, string> = {}) {
  const server = await startTestServer({ databaseUrl: database.url, env });
  servers.push(server);
  return server;
}

let main: TestServer;
let production: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  [main, production] = await Promise.all([
    serverWith(),
    serverWith({ NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://app.example' }),
  ]);
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await Promise.all(servers.map((server) => server.stop()));
  await database?.drop();
});

const LOGIN = `mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { token } }`;

/** The HTTP status a WebSocket upgrade gets (101 when it opens). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', reject);
  });
}

/** Resolves with the close code of a raw socket, for limits the graphql-ws client would hide. */
function closeCode(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.on('close', (code) => resolve(code)));
}

describe('cookie-safe GraphQL', () => {
  it('refuses form, multipart and text/plain posts — what a foreign page can send without preflight', async () => {
    const user = await signup(main);
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'query=mutation%7Blogout%7D'],
      ['text/plain', JSON.stringify({ query: 'mutation { logout }' })],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { logout }\r\n--x--',
      ],
    ] as const) {
      const response = await fetch(`${main.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': type, cookie: `sessionid=${user.token}` },
        body,
      });
      expect(response.status, type).toBe(415);
    }
    expect((await gql(main, '{ me { id } }', {}, { token: user.token })).data!.me).not.toBeNull();
  });

  it('refuses a JSON post from a foreign origin, and gives it no CORS grant', async () => {
    const user = await signup(main);
    const response = await fetch(`${main.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://evil.example',
        cookie: `sessionid=${user.token}`,
      },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${main.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect((await gql(main, '{ me { id } }', {}, { token: user.token })).data!.me).not.toBeNull();
  });

  it('grants CORS with credentials to a configured origin only', async () => {
    const allowed = await fetch(`${production.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await fetch(`${production.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('checks Origin on every WebSocket upgrade', async () => {
    const user = await signup(main);
    const host = new URL(main.url).host;
    const cookie = `sessionid=${user.token}`;
    expect(await upgradeStatus(main.wsUrl, { origin: 'https://evil.example', cookie })).toBe(403);
    expect(await upgradeStatus(main.wsUrl, { origin: 'null', cookie })).toBe(403);
    expect(await upgradeStatus(main.wsUrl, { origin: `http://${host}`, cookie })).toBe(101);
  });

  it('issues a new session at login: a planted session id is never promoted', async () => {
    const [victim, attacker] = await Promise.all([signup(main), signup(main)]);
    const login = await gql(
      main,
      LOGIN,
      { username: victim.username, password: PASSWORD },
      {
        headers: { cookie: `sessionid=${attacker.token}` },
      },
    );
    const newToken = login.data!.login.token as string;
    expect(newToken).not.toBe(attacker.token);
    expect(login.response.headers.get('set-cookie')).toContain(`sessionid=${newToken}`);
    const planted = await gql(main, '{ me { username } }', {}, { token: attacker.token });
    expect(planted.data!.me.username).toBe(attacker.username);
  });

  it('closes a session’s sockets at logout', async () => {
    const [alice, bob] = await Promise.all([signup(main), signup(main)]);
    const client = wsClient(main, alice.token);
    disposers.push(() => client.dispose());
    await connected(client);
    const subscription = subscribeToConversation(client, bob.username);
    let closedWith: number | undefined;
    client.on('closed', (event) => (closedWith = (event as { code: number }).code));
    await gql(main, 'mutation { logout }', {}, { token: alice.token });
    // The session had 30 days to live: nothing but the logout closes its socket with 4403.
    await vi.waitFor(() => expect(closedWith).toBe(4403), { timeout: 10_000, interval: 50 });
    expect(subscription.events).toEqual([]);
  });
});

describe('query limits', () => {
  const aliases = (count: number) =>
    `{ ${Array.from({ length: count }, (_, index) => `a${index}: me { id }`).join(' ')} }`;
  const manyTokens = `{ me { ${Array.from({ length: 1200 }, () => 'id').join(' ')} } }`;
  const manyDirectives = `{ me { id ${Array.from({ length: 40 }, () => '@include(if: true)').join(' ')} } }`;
  const ofTypes = (levels: number) => `${'ofType { '.repeat(levels)}name${' }'.repeat(levels)}`;
  // Introspection types are recursive; a query named or shaped like `__schema` is not exempt.
  const deepIntrospection = `query __schema { __schema { types { fields { type { ${ofTypes(20)} } } } } }`;
  const expensive = `{ ${Array.from({ length: 14 }, (_, index) => `c${index}: conversation(peer: "x", last: 200) { edges { node { sender { id username } receiver { id username } } } }`).join(' ')} }`;

  it.each([
    ['2,000 aliases', aliases(2000), /token|alias/i],
    ['100 aliases', aliases(100), /alias/i],
    ['1,200 tokens', manyTokens, /token/i],
    ['40 directives', manyDirectives, /directive/i],
    ['deep introspection named __schema', deepIntrospection, /depth/i],
    ['an expensive query', expensive, /cost/i],
  ])('rejects %s over HTTP and over graphql-ws, executing nothing', async (_name, query, reason) => {
    const user = await signup(main);
    const overHttp = await gql(main, query, {}, { token: user.token });
    expect(overHttp.data ?? null).toBeNull();
    expect(overHttp.errors!.map((error) => error.message).join('\n')).toMatch(reason);

    const client = wsClient(main, user.token);
    disposers.push(() => client.dispose());
    await connected(client);
    const overWs = new Subscription(client, query, {}, 'me');
    await overWs.waitFor(() => overWs.error !== undefined, 'the limit error');
    expect(JSON.stringify(overWs.error)).toMatch(reason);
  });

  it('accepts the web client’s largest query', async () => {
    const [alice, bob] = await Promise.all([signup(main), signup(main)]);
    const result = await gql(
      main,
      `query ($peer: String!) {
        me { id username }
        users(first: 50) { edges { cursor node { id username } } pageInfo { hasNextPage endCursor } }
        conversation(peer: $peer, last: 50) {
          edges { cursor node { id body clientId createdAt sender { id username } receiver { id username } } }
          pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
        }
      }`,
      { peer: bob.username },
      { token: alice.token },
    );
    expect(result.errors).toBeUndefined();
  });
});

describe('production defaults', () => {
  it('turns off introspection, field suggestions and GraphiQL', async () => {
    const user = await signup(production);
    const introspection = await gql(
      production,
      '{ __schema { queryType { name } } }',
      {},
      { token: user.token },
    );
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await gql(production, '{ mee { id } }', {}, { token: user.token });
    expect(typo.errors?.[0]?.message).not.toMatch(/did you mean/i);
    const page = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
  });

  it('masks unexpected errors: no stack, SQL or internals reach the client', async () => {
    const user = await signup(production);
    const result = await gql(
      production,
      '{ conversation(peer: "x", after: "") { edges { cursor } } }',
      {},
      { token: user.token },
    );
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/stack|prisma|SELECT|node_modules|\.ts:/i);
  });
});

describe('WebSocket limits', () => {
  it('closes a socket that sends a frame over 64 KiB with 1009', async () => {
    const user = await signup(main);
    const socket = new WebSocket(main.wsUrl, 'graphql-transport-ws', {
      headers: { cookie: `sessionid=${user.token}` },
    });
    const code = closeCode(socket);
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70 * 1024) } }));
    expect(await code).toBe(1009);
  });

  it('keeps the connection-init timeout: a socket that never says hello is closed with 4408, one that did is kept', async () => {
    const user = await signup(main);
    const open = () => {
      const socket = new WebSocket(main.wsUrl, 'graphql-transport-ws', {
        headers: { cookie: `sessionid=${user.token}` },
      });
      disposers.push(() => socket.terminate());
      return socket;
    };
    const greeted = open();
    await new Promise((resolve) => greeted.on('open', resolve));
    const acknowledged = new Promise((resolve) => greeted.on('message', resolve));
    greeted.send(JSON.stringify({ type: 'connection_init' }));
    expect(JSON.parse(String(await acknowledged))).toEqual({ type: 'connection_ack' });
    // Opened after the greeted one: by the time it is cut, the greeted one's wait has passed too.
    expect(await closeCode(open())).toBe(4408);
    expect(greeted.readyState).toBe(WebSocket.OPEN);
  });

  it('caps operations per socket and sockets per user', async () => {
    const server = await serverWith({ WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2', WS_MAX_SOCKETS_PER_USER: '2' });
    const [alice, bob] = await Promise.all([signup(server), signup(server)]);
    const first = wsClient(server, alice.token);
    const second = wsClient(server, alice.token);
    disposers.push(
      () => first.dispose(),
      () => second.dispose(),
    );
    await Promise.all([connected(first), connected(second)]);

    const third = wsClient(server, alice.token);
    disposers.push(() => third.dispose());
    const refused = await connected(third).then(
      () => 0,
      (error: { event?: { code: number } }) => error.event?.code,
    );
    expect(refused).toBe(4429);

    const subscriptions = [1, 2, 3].map(() => subscribeToConversation(first, bob.username));
    await subscriptions[2]!.waitFor(() => subscriptions[2]!.error !== undefined, 'the cap error');
    expect(JSON.stringify(subscriptions[2]!.error)).toContain('RATE_LIMITED');
    expect(subscriptions[0]!.error).toBeUndefined();
  });
});

describe('rate limits', () => {
  const WRONG = 'Wrong-Password-1';
  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
  const codeOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
    result.errors?.[0]?.extensions?.code ?? 'OK';

  it('refuses the 6th login after 5 failures on an account from one address, even with the right password', async () => {
    const server = await serverWith();
    const user = await signup(server);
    for (let attempt = 0; attempt < 5; attempt++) {
      const failure = await gql(server, LOGIN, { username: user.username, password: WRONG });
      expect(failure.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    }
    const sixth = await gql(server, LOGIN, { username: user.username.toUpperCase(), password: PASSWORD });
    expect(sixth.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(sixth.errors![0]!.extensions!.retryAfterSeconds)).toBeGreaterThan(0);
  });

  it('counts an attempt before checking the password: 40 concurrent guesses get exactly 5 checks', async () => {
    const server = await serverWith();
    const user = await signup(server);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => gql(server, LOGIN, { username: user.username, password: WRONG })),
    );
    const checked = results.filter(
      (result) => result.errors?.[0]?.message === 'Invalid username or password.',
    );
    expect(checked).toHaveLength(5);
    expect(results.filter((result) => codeOf(result) === 'RATE_LIMITED')).toHaveLength(35);
  });

  it('does not let guesses from one address lock the owner out elsewhere; a success gives its attempt back', async () => {
    const server = await serverWith({ TRUST_PROXY: 'true', LOGIN_FAILURES_PER_ACCOUNT: '8' });
    const owner = await signup(server);
    const attempt = (password: string, address: string) =>
      gql(server, LOGIN, { username: owner.username, password }, from(address)).then(codeOf);

    const attacker = [];
    for (let index = 0; index < 7; index++) attacker.push(await attempt(WRONG, '203.0.113.7'));
    expect(attacker).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await attempt(PASSWORD, '203.0.113.7')).toBe('RATE_LIMITED');

    // The owner's own typos and successes leave the account-wide count where the attacker left it.
    expect(await attempt(WRONG, '198.51.100.2')).toBe('UNAUTHENTICATED');
    for (let index = 0; index < 3; index++) expect(await attempt(PASSWORD, '198.51.100.2')).toBe('OK');

    // Across addresses the account has a higher bar: 5 + 1 failures so far, 2 more reach 8.
    expect(await attempt(WRONG, '192.0.2.1')).toBe('UNAUTHENTICATED');
    expect(await attempt(WRONG, '192.0.2.2')).toBe('UNAUTHENTICATED');
    expect(await attempt(PASSWORD, '192.0.2.3')).toBe('RATE_LIMITED');
  });

  it('refuses logins from an address that failed too often, whatever the account', async () => {
    const server = await serverWith({ LOGIN_FAILURES_PER_ADDRESS: '4' });
    const [one, two] = await Promise.all([signup(server), signup(server)]);
    for (const user of [one, one, two, two]) {
      await gql(server, LOGIN, { username: user.username, password: WRONG });
    }
    const next = await gql(server, LOGIN, { username: uniqueName('other'), password: PASSWORD });
    expect(next.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
  });

  it('limits signups per address', async () => {
    const server = await serverWith({ SIGNUPS_PER_ADDRESS_PER_HOUR: '2' });
    await signup(server);
    await signup(server);
    await expect(signup(server)).rejects.toThrow(/Too many attempts\. Try again in about an hour\..*RATE_LIMITED/);
  });

  it('limits sends per user: a burst on top of the sustained rate, then RATE_LIMITED, nothing stored', async () => {
    const server = await serverWith({ SENDS_PER_USER_PER_MINUTE: '5', SENDS_PER_USER_BURST: '3' });
    const [alice, bob] = await Promise.all([signup(server), signup(server)]);
    const results = [];
    for (let index = 0; index < 9; index++)
      results.push(await sendMessage(server, alice, bob.username, `m${index}`));
    expect(results.slice(0, 8).every((result) => result.data?.sendMessage)).toBe(true);
    expect(results[8]!.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    const history = await gql(
      server,
      '{ conversation(peer: "' + bob.username + '") { edges { cursor } } }',
      {},
      { token: alice.token },
    );
    expect(history.data!.conversation.edges).toHaveLength(8);
  });
});
