import { describe, expect, it } from 'vitest';
import { gql, PASSWORD, sendMessage, signup, type GraphQLResponse } from './support/clients.ts';
import { postForm, sessionCookie } from './support/compat-clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { startTestServer } from './support/server.ts';

const harness = useTestServer();
const server = () => harness.server;

const SIGNUP = `mutation ($username: String!, $email: String!, $password: String!) {
  signup(username: $username, email: $email, password: $password) { user { username } }
}`;

const signupAs = (username: string, email = `${Buffer.from(username).toString('hex')}@example.com`) =>
  gql<{ signup: { user: { username: string } } }>(server(), SIGNUP, { username, email, password: PASSWORD });

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  const client = await connectSql(harness.database.url);
  try {
    return (await client.query(query, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A refusal the client can act on: the code, the field, a message that says what is wrong. */
function expectRefused(result: GraphQLResponse & { response: Response }, code: string, message: RegExp) {
  expect(result.response.status).toBeLessThan(500);
  expect(result.errors?.[0]?.extensions?.code).toBe(code);
  expect(result.errors?.[0]?.message).toMatch(message);
}

describe('NUL characters (PostgreSQL text cannot hold them)', () => {
  it('refuses them in a signup email, over GraphQL and the compat form, creating nothing', async () => {
    const username = 'nul_email';
    expectRefused(await signupAs(username, 'a\u0000@example.com'), 'BAD_USER_INPUT', /NUL/);
    const form = await postForm(server(), '/signup/', {
      username,
      email: 'a\u0000@example.com',
      password1: PASSWORD,
      password2: PASSWORD,
    });
    expect(form.status).toBe(200);
    expect(form.text).toContain('cannot contain NUL');
    expect(await sql('SELECT 1 FROM users WHERE username = $1', [username])).toHaveLength(0);
  });

  it('refuses them in a login username, over GraphQL and the compat form', async () => {
    const login = await gql(
      server(),
      'mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { token } }',
      { username: 'bob\u0000', password: PASSWORD },
    );
    expectRefused(login, 'BAD_USER_INPUT', /username cannot contain NUL/);
    const form = await postForm(server(), '/login/', { username: 'bob\u0000', password: PASSWORD });
    expect(form.status).toBe(200);
    expect(form.text).toContain('username cannot contain NUL');
  });

  it('refuses them in a message body, storing nothing', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    expectRefused(await sendMessage(server(), alice, bob.username, 'hi\u0000there'), 'BAD_USER_INPUT', /NUL/);
    expect(await sql('SELECT 1 FROM messages WHERE sender_id = $1', [Number(alice.id)])).toHaveLength(0);
  });

  it('refuses them in a user search', async () => {
    const viewer = await signup(server());
    const search = await gql(
      server(),
      'query ($search: String) { users(search: $search) { edges { node { username } } } }',
      { search: 'a\u0000' },
      { token: viewer.token },
    );
    expectRefused(search, 'BAD_USER_INPUT', /search cannot contain NUL/);
  });
});

describe('the login form’s next', () => {
  it('percent-encodes a non-ASCII path instead of failing with a 500', async () => {
    const user = await signup(server());
    const form = await postForm(server(), '/login/?next=/%E4%B8%AD', {
      username: user.username,
      password: PASSWORD,
    });
    expect(form.status).toBe(302);
    expect(form.location).toBe('/%E4%B8%AD');
    const inBody = await postForm(server(), '/login/', {
      username: user.username,
      password: PASSWORD,
      next: '/中?x=é#ü',
    });
    expect(inBody.location).toBe('/%E4%B8%AD?x=%C3%A9#%C3%BC');
    const loneSurrogate = await postForm(server(), '/login/', {
      username: user.username,
      password: PASSWORD,
      next: '/\ud800',
    });
    expect(loneSurrogate.status).toBe(302);
  });
});

describe('usernames are identifiers (NFKC, one script, UTS #39 skeletons)', () => {
  it('refuses look-alikes of existing names', async () => {
    expect((await signupAs('alice')).data?.signup.user.username).toBe('alice');
    expect((await signupAs('apple')).data?.signup.user.username).toBe('apple');
    // Cyrillic а and Greek Ι among Latin letters: mixed scripts.
    expectRefused(await signupAs('\u0430lice'), 'BAD_USER_INPUT', /mix letters from different scripts/);
    expectRefused(await signupAs('a\u0399ice'), 'BAD_USER_INPUT', /mix letters from different scripts/);
    // All Cyrillic, but every letter looks Latin.
    expectRefused(await signupAs('\u0430\u0440\u0440\u04cf\u0435'), 'BAD_USER_INPUT', /looks like a name/);
    // One script, same skeleton: capital I for l; full-width letters (NFKC).
    expectRefused(await signupAs('AIice'), 'CONFLICT', /looks like it/);
    expectRefused(await signupAs('ａｐｐｌｅ'), 'CONFLICT', /already exists/);
    const form = await postForm(server(), '/signup/', {
      username: 'APPIe',
      email: 'appie@example.com',
      password1: PASSWORD,
      password2: PASSWORD,
    });
    expect(form.text).toContain('looks like it, already exists');
    expect(
      (
        await sql<{ username: string }>(
          `SELECT username FROM users WHERE username_skeleton IN ('alice', 'apple') ORDER BY id`,
        )
      ).map((row) => row.username),
    ).toEqual(['alice', 'apple']);
  });

  it('accepts ordinary names in other scripts, stored in NFKC', async () => {
    for (const name of ['борис', 'Σοφία', '山田たろう', '김민수', 'yamada山田']) {
      expect((await signupAs(name)).data?.signup.user.username).toBe(name);
    }
    expect((await signupAs('ｆｕｌｌｗｉｄｔｈ')).data?.signup.user.username).toBe('fullwidth');
  });

  it('gives existing accounts their skeleton at start-up, the older of two look-alikes keeping it', async () => {
    await sql(
      `INSERT INTO users (username, username_key, email, password_hash)
       VALUES ('legacy', 'legacy', 'l@example.com', 'x'), ('IegacY', 'iegacy', 'i@example.com', 'x')`,
    );
    const skeletons = () =>
      sql<{ username: string; username_skeleton: string | null }>(
        `SELECT username, username_skeleton FROM users WHERE username IN ('legacy', 'IegacY') ORDER BY id`,
      );
    for (let start = 0; start < 2; start++) {
      // A second instance on the same database runs the back-fill; running it again changes nothing.
      const other = await startTestServer({ databaseUrl: harness.database.url, redis: false });
      await other.stop();
      expect(await skeletons()).toEqual([
        { username: 'legacy', username_skeleton: 'legacy' },
        { username: 'IegacY', username_skeleton: null },
      ]);
    }
    expectRefused(await signupAs('1egacy'), 'CONFLICT', /looks like it/);
  });
});

describe('user search', () => {
  it('has a trigram index that serves LIKE %x%', async () => {
    const client = await connectSql(harness.database.url);
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN SELECT id FROM users WHERE username_key LIKE '%ice%'`);
      expect(rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n')).toContain(
        'users_username_key_trgm_idx',
      );
    } finally {
      await client.end();
    }
  });
});

describe('logout', () => {
  const isSignedIn = async (token: string) =>
    (await gql<{ me: { id: string } | null }>(server(), '{ me { id } }', {}, { token })).data?.me != null;
  const getLogout = (token: string, headers: Record<string, string> = {}) =>
    fetch(`${server().url}/logout/`, {
      redirect: 'manual',
      headers: { cookie: `sessionid=${token}`, ...headers },
    });

  it('does not end the session from another site’s link (GET saying cross-site or same-site, or naming a foreign page)', async () => {
    const user = await signup(server());
    for (const headers of [
      { referer: 'https://evil.example/page' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'same-origin', referer: 'https://evil.example/page' },
    ] as Array<Record<string, string>>) {
      const response = await getLogout(user.token, headers);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/');
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await isSignedIn(user.token)).toBe(true);
    }
  });

  it('keeps GET for old clients: from our own pages, an address typed in, or a script that says nothing', async () => {
    for (const headers of [
      { referer: `${server().url}/` },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      {},
    ] as Array<Record<string, string>>) {
      const user = await signup(server());
      const response = await getLogout(user.token, headers);
      expect(response.headers.get('location')).toBe('/login/');
      expect(await isSignedIn(user.token)).toBe(false);
    }
  });

  it('logs out with the page’s POST, and refuses one from another site', async () => {
    const user = await signup(server());
    const cookie = { cookie: `sessionid=${user.token}` };
    const foreign = await postForm(server(), '/logout/', {}, { ...cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await isSignedIn(user.token)).toBe(true);
    const own = await postForm(server(), '/logout/', {}, { ...cookie, origin: server().url });
    expect(own.status).toBe(302);
    expect(own.location).toBe('/login/');
    expect(sessionCookie(own.response)).toBe('');
    expect(await isSignedIn(user.token)).toBe(false);
  });
});
