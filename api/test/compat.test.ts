import { describe, expect, it } from 'vitest';
import {
  gql,
  PASSWORD,
  sendMessage,
  signup,
  subscribeToConversation,
  uniqueName,
} from './support/clients.ts';
import { ChatSocket, postForm, sessionCookie } from './support/compat-clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();
const server = () => harness.server;

async function userCount(username: string) {
  const sql = await connectSql(harness.database.url);
  try {
    const { rows } = await sql.query(
      'SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)',
      [username],
    );
    return rows[0].n as number;
  } finally {
    await sql.end();
  }
}

async function formLogin(username: string, password = PASSWORD) {
  const result = await postForm(server(), '/login/', { username, password });
  return { ...result, token: sessionCookie(result.response) };
}

describe('pages and forms', () => {
  it('serves the login and signup pages with their forms', async () => {
    for (const path of ['/login/', '/signup/']) {
      const response = await fetch(`${server().url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(await response.text()).toContain(`<form method="post" action="${path}">`);
    }
  });

  it('signs up with a form: 302 to /login/, then logs in with a form: 302 to / with the session cookie', async () => {
    const username = uniqueName('Form.User');
    const created = await postForm(server(), '/signup/', {
      username,
      email: 'form@example.com',
      password1: PASSWORD,
      password2: PASSWORD,
    });
    expect(created.status).toBe(302);
    expect(created.location).toBe('/login/');
    expect(sessionCookie(created.response)).toBeUndefined();

    const login = await formLogin(username.toLowerCase());
    expect(login.status).toBe(302);
    expect(login.location).toBe('/');
    expect(login.response.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(login.response.headers.get('set-cookie')).toMatch(/SameSite=Lax/);
    const me = await gql(
      server(),
      '{ me { username } }',
      {},
      { headers: { cookie: `sessionid=${login.token}` } },
    );
    expect(me.data!.me.username).toBe(username);
  });

  it('accepts JSON bodies too, and redirects to a same-site `next` only', async () => {
    const user = await signup(server());
    const json = await fetch(`${server().url}/login/?next=/inbox`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: PASSWORD }),
    });
    expect(json.status).toBe(302);
    expect(json.headers.get('location')).toBe('/inbox');
    for (const next of [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const login = await postForm(server(), '/login/', {
        username: user.username,
        password: PASSWORD,
        next,
      });
      expect(login.location, next).toBe('/');
    }
  });

  it.each([
    ['a mismatch', { password2: 'Another-Password-2' }, 'didn’t match'],
    ['a weak password', { password1: 'password1', password2: 'password1' }, 'too common'],
    ['a bad email', { email: 'nope' }, 'valid email'],
    ['a bad username', { username: 'spaces are <bad>' }, 'Usernames are'],
  ])('shows the signup page again for %s, creating nothing', async (_case, override, message) => {
    const fields = {
      username: uniqueName(),
      email: 'x@example.com',
      password1: PASSWORD,
      password2: PASSWORD,
      ...override,
    };
    const result = await postForm(server(), '/signup/', fields);
    expect(result.status).toBe(200);
    expect(result.text).toContain('<ul class="form-errors" role="alert">');
    expect(result.text).toContain(message);
    expect(result.text).not.toContain('<bad>');
    expect(await userCount(fields.username)).toBe(0);
  });

  it('refuses a taken username, ignoring case', async () => {
    const user = await signup(server());
    const result = await postForm(server(), '/signup/', {
      username: user.username.toUpperCase(),
      email: 'y@example.com',
      password1: PASSWORD,
      password2: PASSWORD,
    });
    expect(result.status).toBe(200);
    expect(result.text).toContain('already exists');
    expect(await userCount(user.username)).toBe(1);
  });

  it('answers an unknown user and a wrong password with the same page, no redirect', async () => {
    const user = await signup(server());
    const wrong = await formLogin(user.username, 'Wrong-Password-9');
    const unknown = await formLogin(uniqueName('nobody'));
    expect([wrong.status, unknown.status]).toEqual([200, 200]);
    expect(wrong.token).toBeUndefined();
    expect(wrong.text).toBe(unknown.text);
    expect(wrong.text).toContain('Invalid username or password.');
  });

  it('sends / to the login page without a session, and serves the chat page with one', async () => {
    const anonymous = await fetch(`${server().url}/`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/login/?next=/');
    const user = await signup(server());
    const page = await fetch(`${server().url}/`, { headers: { cookie: `sessionid=${user.token}` } });
    expect(await page.text()).toContain('chat page fixture');
    const asset = await fetch(`${server().url}/assets/app.js`);
    expect(asset.status).toBe(200);
  });

  it('logs out: revokes the session server-side, clears the cookie, 302 to /login/', async () => {
    const user = await signup(server());
    const response = await fetch(`${server().url}/logout/`, {
      redirect: 'manual',
      headers: { cookie: `sessionid=${user.token}`, referer: `${server().url}/` },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login/');
    expect(response.headers.get('set-cookie')).toMatch(/^sessionid=;/);
    expect((await gql(server(), '{ me { id } }', {}, { token: user.token })).data!.me).toBeNull();
  });

  it('refuses form posts from another site (CSRF), doing nothing', async () => {
    const username = uniqueName();
    const fields = { username, email: 'z@example.com', password1: PASSWORD, password2: PASSWORD };
    const signupAttempt = await postForm(server(), '/signup/', fields, { origin: 'https://evil.example' });
    expect(signupAttempt.status).toBe(403);
    expect(await userCount(username)).toBe(0);
    const user = await signup(server());
    const viaReferer = await postForm(
      server(),
      '/login/',
      { username: user.username, password: PASSWORD },
      { referer: 'https://evil.example/page' },
    );
    expect(viaReferer.status).toBe(403);
    expect(sessionCookie(viaReferer.response)).toBeUndefined();
    const sameSite = await postForm(
      server(),
      '/login/',
      { username: user.username, password: PASSWORD },
      { origin: server().url },
    );
    expect(sameSite.status).toBe(302);
  });
});

describe('history JSON', () => {
  it('lists the conversation oldest first, the same for either name order, to its two people only', async () => {
    const [alice, bob, carol] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    await sendMessage(server(), alice, bob.username, 'one');
    await sendMessage(server(), bob, alice.username, 'two');
    const history = async (u1: string, u2: string, token?: string, query = '') =>
      fetch(`${server().url}/api/messages/${encodeURIComponent(u1)}/${encodeURIComponent(u2)}/${query}`, {
        headers: token ? { cookie: `sessionid=${token}` } : {},
      });

    const forward = await history(alice.username, bob.username, alice.token);
    expect(forward.status).toBe(200);
    const body = (await forward.json()) as { messages: Array<Record<string, string>> };
    expect(body.messages.map(({ sender, receiver, message }) => ({ sender, receiver, message }))).toEqual([
      { sender: alice.username, receiver: bob.username, message: 'one' },
      { sender: bob.username, receiver: alice.username, message: 'two' },
    ]);
    expect(new Date(body.messages[0]!.timestamp!).toISOString()).toBe(body.messages[0]!.timestamp);
    const reversed = (await (await history(bob.username, alice.username, bob.token)).json()) as typeof body;
    expect(reversed.messages).toEqual(body.messages);

    const anonymous = await history(alice.username, bob.username);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: expect.any(String) });
    expect((await history(alice.username, bob.username, carol.token)).status).toBe(403);
  });

  it('pages with ?limit=&before= and refuses bad values', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    for (let index = 1; index <= 5; index++) await sendMessage(server(), alice, bob.username, `m${index}`);
    const url = (query: string) => `${server().url}/api/messages/${alice.username}/${bob.username}/${query}`;
    const headers = { cookie: `sessionid=${alice.token}` };
    const latest = (await (await fetch(url('?limit=2'), { headers })).json()) as {
      messages: Array<{ message: string; id: string }>;
      has_more: boolean;
    };
    expect(latest.messages.map((message) => message.message)).toEqual(['m4', 'm5']);
    expect(latest.has_more).toBe(true);
    const older = (await (
      await fetch(url(`?limit=2&before=${latest.messages[0]!.id}`), { headers })
    ).json()) as typeof latest;
    expect(older.messages.map((message) => message.message)).toEqual(['m2', 'm3']);
    for (const query of ['?limit=0', '?limit=abc', '?limit=100000', '?before=xyz']) {
      expect((await fetch(url(query), { headers })).status, query).toBe(400);
    }
  });

  /** A conversation of `total` messages, "first" then "2", "3", … each followed by `padding`, stored as sends store them. */
  async function longConversation(total: number, padding: string) {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const first = (await sendMessage(server(), alice, bob.username, 'first')).data!.sendMessage;
    const sql = await connectSql(harness.database.url);
    harness.defer(() => sql.end());
    await sql.query(
      `WITH conversation AS (
         UPDATE conversations SET last_seq = $3, last_stream_seq = $3
         WHERE id = (SELECT conversation_id FROM messages WHERE id = $1) RETURNING id
       )
       INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body)
       SELECT conversation.id, seq, seq, now(), $2, seq || $4 FROM conversation, generate_series(2, $3) AS seq`,
      [first.id, Number(alice.id), total, padding],
    );
    const expected = ['first', ...Array.from({ length: total - 1 }, (_, index) => String(index + 2))];
    return { alice, bob, expected };
  }

  it('still answers a conversation under both caps whole without ?limit=', async () => {
    const { alice, bob, expected } = await longConversation(1_234, '');
    const response = await fetch(`${server().url}/api/messages/${alice.username}/${bob.username}/`, {
      headers: { cookie: `sessionid=${alice.token}` },
    });
    const history = (await response.json()) as { messages: Array<{ message: string }>; has_more: boolean };
    expect(history.has_more).toBe(false);
    expect(history.messages.map((message) => message.message)).toEqual(expected);
  });

  it('bounds every answer by message text too, with the older rest reachable by ?before=', async () => {
    // 600 messages of 4,000 two-byte characters: 4.8 MB of text.
    const { alice, bob, expected } = await longConversation(601, 'é'.repeat(3990));
    const url = (query: string) => `${server().url}/api/messages/${alice.username}/${bob.username}/${query}`;
    const headers = { cookie: `sessionid=${alice.token}` };
    type History = { messages: Array<{ message: string; id: string }>; has_more: boolean };
    const read = async (query: string) => {
      const response = await fetch(url(query), { headers });
      expect(response.status).toBe(200);
      const text = await response.text();
      // The default cap is 1 MiB of message text; the JSON around it adds little.
      expect(Buffer.byteLength(text)).toBeLessThan(1.1 * 1024 * 1024);
      return JSON.parse(text) as History;
    };

    for (const query of ['', '?limit=10000']) {
      const newest = await read(query);
      expect(newest.has_more, query).toBe(true);
      expect(newest.messages.length).toBeGreaterThan(0);
      expect(newest.messages.at(-1)!.message).toMatch(/^601é/);
    }
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await read(before === undefined ? '' : `?before=${before}`);
      seen.unshift(...page.messages.map((message) => message.message.replace(/é+$/, '')));
      if (!page.has_more) break;
      before = page.messages[0]!.id;
    }
    expect(seen).toEqual(expected);
  });
});

describe('the chat WebSocket', () => {
  it('relays JSON frames both ways between the two people, each message once', async () => {
    const [alice, bob] = await Promise.all([signup(server(), uniqueName('a.b+c@d-e')), signup(server())]);
    const aliceSocket = await ChatSocket.open(server(), alice.username, bob.username, alice.token);
    const bobSocket = await ChatSocket.open(server(), bob.username, alice.username, bob.token);
    harness.defer(() => aliceSocket.close());
    harness.defer(() => bobSocket.close());

    aliceSocket.send({ message: 'Hello, how are you?' });
    await bobSocket.messages(1);
    bobSocket.send({ message: 'Fine!' });
    for (const socket of [aliceSocket, bobSocket]) {
      const frames = await socket.messages(2);
      expect(frames.map(({ message, sender, receiver }) => ({ message, sender, receiver }))).toEqual([
        { message: 'Hello, how are you?', sender: alice.username, receiver: bob.username },
        { message: 'Fine!', sender: bob.username, receiver: alice.username },
      ]);
      expect(frames[0]!.id).toMatch(/^\d+$/);
      expect(frames[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
  });

  it('answers bad frames with {"error"} on that socket, keeps it open, and stores nothing', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const socket = await ChatSocket.open(server(), alice.username, bob.username, alice.token);
    harness.defer(() => socket.close());
    for (const frame of [
      'not json',
      '[]',
      'null',
      '{}',
      '{"message": 42}',
      '{"message": "   "}',
      JSON.stringify({ message: 'x'.repeat(4001) }),
    ]) {
      socket.send(frame);
    }
    const errors = await socket.errors(7);
    expect(errors.every((frame) => typeof frame.error === 'string' && frame.error.length > 0)).toBe(true);
    socket.send({ message: 'still here' });
    expect((await socket.messages(1))[0]!.message).toBe('still here');
    const history = await gql(
      server(),
      `{ conversation(peer: "${bob.username}") { edges { node { body } } } }`,
      {},
      { token: alice.token },
    );
    expect(history.data!.conversation.edges.map((edge: any) => edge.node.body)).toEqual(['still here']);
  });

  it('closes a socket that sends a frame over 64 KiB with 1009', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const socket = await ChatSocket.open(server(), alice.username, bob.username, alice.token);
    socket.send({ message: 'x'.repeat(65 * 1024) });
    expect(await socket.closed()).toBe(1009);
  });

  it('refuses the upgrade without a session (401), as someone else or from another site (403), to nobody (404)', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    expect(await ChatSocket.refusal(server(), alice.username, bob.username, 'forged')).toBe(401);
    expect(await ChatSocket.refusal(server(), bob.username, alice.username, alice.token)).toBe(403);
    expect(
      await ChatSocket.refusal(server(), alice.username, bob.username, alice.token, 'https://evil.example'),
    ).toBe(403);
    expect(await ChatSocket.refusal(server(), alice.username, uniqueName('ghost'), alice.token)).toBe(404);
  });

  it('interoperates with GraphQL both ways', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const known = (await sendMessage(server(), alice, bob.username, 'known')).data!.sendMessage.id;
    const bobSocket = await ChatSocket.open(server(), bob.username, alice.username, bob.token);
    harness.defer(() => bobSocket.close());
    const aliceSees = subscribeToConversation(await harness.openClient(alice), bob.username, known);

    const viaGraphQL = (await sendMessage(server(), alice, bob.username, 'from GraphQL')).data!.sendMessage;
    expect((await bobSocket.messages(1))[0]).toMatchObject({
      message: 'from GraphQL',
      sender: alice.username,
      id: viaGraphQL.id,
    });
    bobSocket.send({ message: 'from the compat socket' });
    const events = await aliceSees.until(2);
    expect(events.map((event) => [event.body, event.sender.username])).toEqual([
      ['from GraphQL', alice.username],
      ['from the compat socket', bob.username],
    ]);
  });

  it('closes the socket when its session logs out', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const socket = await ChatSocket.open(server(), alice.username, bob.username, alice.token);
    await gql(server(), 'mutation { logout }', {}, { token: alice.token });
    expect(await socket.closed()).toBe(4403);
  });
});

describe('rate limits on the compat endpoints', () => {
  it('answers the 6th failed form login with 429 and Retry-After', async () => {
    const user = await signup(server());
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await formLogin(user.username, 'Wrong-Password-1')).status).toBe(200);
    const sixth = await formLogin(user.username);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sixth.text).toContain('Too many attempts');
  });
});
