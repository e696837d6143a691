import { describe, expect, it } from 'vitest';
import { connected, gql, PASSWORD, signup, uniqueName, wsClient } from './support/clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();

const SIGNUP = `mutation ($username: String!, $email: String!, $password: String!) {
  signup(username: $username, email: $email, password: $password) { token user { id username } }
}`;
const LOGIN = `mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { token user { username } } }`;

const codeOf = (result: { errors?: Array<{ extensions?: { code?: string; field?: string } }> }) =>
  result.errors?.map(
    (error) => `${error.extensions?.code}${error.extensions?.field ? `:${error.extensions.field}` : ''}`,
  );

describe('signup', () => {
  it('creates the user, signs them in and sets an HttpOnly SameSite=Lax session cookie', async () => {
    const username = uniqueName('New.User');
    const result = await gql(harness.server, SIGNUP, {
      username,
      email: 'new@example.com',
      password: PASSWORD,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.signup.user.username).toBe(username);
    const cookie = result.response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sessionid=[\w-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).toContain(result.data!.signup.token);

    const me = await gql(harness.server, '{ me { username } }', {}, { token: result.data!.signup.token });
    expect(me.data!.me.username).toBe(username);
  });

  it('stores an argon2id hash and only a hash of the session token', async () => {
    const username = uniqueName();
    const result = await gql(harness.server, SIGNUP, {
      username,
      email: 'h@example.com',
      password: PASSWORD,
    });
    const sql = await connectSql(harness.database.url);
    try {
      const { rows } = await sql.query('SELECT password_hash FROM users WHERE username = $1', [username]);
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
      const tokens = await sql.query(
        "SELECT count(*)::int AS n FROM sessions WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
        [result.data!.signup.token],
      );
      expect(tokens.rows[0].n).toBe(0);
    } finally {
      await sql.end();
    }
  });

  it('refuses a taken username, ignoring case, with CONFLICT', async () => {
    const username = uniqueName('Taken');
    await signup(harness.server, username);
    const again = await gql(harness.server, SIGNUP, {
      username: username.toUpperCase(),
      email: 'x@example.com',
      password: PASSWORD,
    });
    expect(codeOf(again)).toEqual(['CONFLICT:username']);
  });

  it.each([
    ['bad username', { username: 'no spaces allowed' }, 'BAD_USER_INPUT:username'],
    ['long username', { username: 'x'.repeat(151) }, 'BAD_USER_INPUT:username'],
    ['bad email', { email: 'not-an-email' }, 'BAD_USER_INPUT:email'],
    ['short password', { password: 'Ab1!' }, 'BAD_USER_INPUT:password'],
    ['numeric password', { password: '90210551234' }, 'BAD_USER_INPUT:password'],
    ['common password', { password: 'iloveyou123' }, 'BAD_USER_INPUT:password'],
  ])('refuses a %s and creates nothing', async (_case, override, code) => {
    const input = { username: uniqueName(), email: 'ok@example.com', password: PASSWORD, ...override };
    const result = await gql(harness.server, SIGNUP, input);
    expect(codeOf(result)).toEqual([code]);
    expect(result.errors![0]!.message.length).toBeGreaterThan(10);
    const sql = await connectSql(harness.database.url);
    try {
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM users WHERE username = $1', [
        input.username,
      ]);
      expect(rows[0].n).toBe(0);
    } finally {
      await sql.end();
    }
  });

  it('refuses a password close to the username', async () => {
    const username = uniqueName('margaret');
    const result = await gql(harness.server, SIGNUP, {
      username,
      email: 'm@example.com',
      password: `${username}!`,
    });
    expect(codeOf(result)).toEqual(['BAD_USER_INPUT:password']);
  });
});

describe('login and logout', () => {
  it('logs in with any case of the username and sets a new session each time', async () => {
    const user = await signup(harness.server, uniqueName('Carol'));
    const first = await gql(harness.server, LOGIN, {
      username: user.username.toLowerCase(),
      password: PASSWORD,
    });
    const second = await gql(harness.server, LOGIN, { username: user.username, password: PASSWORD });
    expect(first.data!.login.user.username).toBe(user.username);
    expect(first.data!.login.token).not.toBe(second.data!.login.token);
    expect(first.data!.login.token).not.toBe(user.token);
  });

  it('gives an unknown user and a wrong password the same error', async () => {
    const user = await signup(harness.server);
    const wrong = await gql(harness.server, LOGIN, { username: user.username, password: 'Wrong-Password-1' });
    const unknown = await gql(harness.server, LOGIN, { username: uniqueName('ghost'), password: PASSWORD });
    expect(codeOf(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors![0]!.message).toBe(unknown.errors![0]!.message);
    expect(codeOf(unknown)).toEqual(codeOf(wrong));
  });

  it('accepts the session cookie instead of the bearer token', async () => {
    const user = await signup(harness.server);
    const me = await gql(
      harness.server,
      '{ me { username } }',
      {},
      { headers: { cookie: `sessionid=${user.token}` } },
    );
    expect(me.data!.me.username).toBe(user.username);
  });

  it('logout revokes the session at once and clears the cookie', async () => {
    const user = await signup(harness.server);
    const logout = await gql(harness.server, 'mutation { logout }', {}, { token: user.token });
    expect(logout.data!.logout).toBe(true);
    expect(logout.response.headers.get('set-cookie')).toMatch(/^sessionid=;/);
    const me = await gql(harness.server, '{ me { username } }', {}, { token: user.token });
    expect(me.data!.me).toBeNull();
    const users = await gql(harness.server, '{ users { edges { node { id } } } }', {}, { token: user.token });
    expect(codeOf(users)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('auth on every transport', () => {
  it('me is null without a session; everything else but signup and login needs one', async () => {
    expect((await gql(harness.server, '{ me { id } }')).data).toEqual({ me: null });
    for (const query of [
      '{ users { edges { node { id } } } }',
      '{ conversation(peer: "anyone") { edges { cursor } } }',
      'mutation { sendMessage(to: "anyone", body: "hi") { id } }',
      'mutation { logout }',
    ]) {
      expect(codeOf(await gql(harness.server, query)), query).toEqual(['UNAUTHENTICATED']);
      expect(codeOf(await gql(harness.server, query, {}, { token: 'forged-token' })), query).toEqual([
        'UNAUTHENTICATED',
      ]);
    }
  });

  it('graphql-ws refuses a connection without a valid session', async () => {
    for (const token of [undefined, 'forged-token']) {
      const client = wsClient(harness.server, token);
      const failure = await connected(client).then(
        () => 'connected',
        (error: { event?: { code: number } }) => error.event?.code,
      );
      expect(failure).toBe(4403);
      await client.dispose();
    }
  });

  it('graphql-ws accepts the token in connectionParams or the upgrade cookie', async () => {
    const user = await signup(harness.server);
    // One at a time: a client connects as soon as it is made, and `connected` hears only what comes after it.
    for (const open of [
      () => wsClient(harness.server, user.token),
      () => wsClient(harness.server, undefined, { headers: { cookie: `sessionid=${user.token}` } }),
    ]) {
      const client = open();
      await connected(client);
      await client.dispose();
    }
  });
});
