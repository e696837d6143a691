import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, PASSWORD, signup, type TestUser } from './support/clients.ts';
import { postForm, sessionCookie } from './support/compat-clients.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { resetToken, TestSmtpServer } from './support/smtp.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { waitUntil } from './support/waits.ts';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const NEW_PASSWORD = 'Meadow-Violin-2044';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let smtp: TestSmtpServer;
let server: TestServer;
/** How far the test moved the server's clock. */
let ahead = 0;
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await TestSmtpServer.start();
  server = await startTestServer({
    databaseUrl: database.url,
    clock: () => Date.now() + ahead,
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Chat <chat@example.org>', PUBLIC_URL: 'https://chat.example.org' },
  });
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await server.stop();
  await smtp.stop();
  await database.drop();
});

const emailOf = (user: TestUser) => `${user.username}@example.com`;

const requestReset = (email: string, target = server, headers: Record<string, string> = {}) =>
  gql<{ requestPasswordReset: boolean }>(
    target,
    'mutation ($email: String!) { requestPasswordReset(email: $email) }',
    { email },
    { headers: { 'user-agent': FIREFOX_LINUX, ...headers } },
  );

const reset = (token: string, newPassword = NEW_PASSWORD) =>
  gql<{ resetPassword: { token: string; user: { username: string } } }>(
    server,
    'mutation ($token: String!, $p: String!) { resetPassword(token: $token, newPassword: $p) { token user { username } } }',
    { token, p: newPassword },
  );

const login = (username: string, password: string) =>
  gql<{ login: { token: string } }>(
    server,
    'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
    { u: username, p: password },
  );

const me = async (token: string) => (await gql(server, '{ me { username } }', {}, { token })).data!.me as unknown;

/** Asks for a reset and reads the link's token from the mail the SMTP server received. */
async function mailedToken(user: TestUser): Promise<string> {
  const seen = smtp.mails.length;
  expect((await requestReset(emailOf(user))).data).toEqual({ requestPasswordReset: true });
  return resetToken(await smtp.waitForMail(emailOf(user), seen));
}

describe('password reset by email', () => {
  it('mails a link saying when and from what device; the link sets a new password, ends every session and signs in', async () => {
    const alice = await signup(server);
    const seen = smtp.mails.length;
    // The email is matched ignoring case.
    expect((await requestReset(emailOf(alice).toUpperCase())).data).toEqual({ requestPasswordReset: true });
    const mail = await smtp.waitForMail(emailOf(alice), seen);
    expect(mail.from?.value).toEqual([{ name: 'Chat', address: 'chat@example.org' }]);
    expect(mail.text).toContain(`"${alice.username}"`);
    expect(mail.text).toContain('from Firefox on Linux (address 127.0.0.1)');
    expect(mail.text).toMatch(/on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(mail.text).toMatch(/https:\/\/chat\.example\.org\/reset-password\/#token=[\w-]{43}\n/);

    const result = await reset(resetToken(mail));
    expect(result.data?.resetPassword.user.username).toBe(alice.username);
    expect(result.response.headers.get('set-cookie')).toMatch(/sessionid=/);
    expect(await me(alice.token)).toBeNull();
    expect(await me(result.data!.resetPassword.token)).toEqual({ username: alice.username });
    expect((await login(alice.username, PASSWORD)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login(alice.username, NEW_PASSWORD)).data?.login.token).toBeTruthy();
    // A password set here works on the original chat's pages too.
    const compat = await postForm(server, '/login/', { username: alice.username, password: NEW_PASSWORD });
    expect(sessionCookie(compat.response)).toBeTruthy();
  });

  it('refuses a used token, a voided one, an expired one and a made-up one', async () => {
    const alice = await signup(server);
    const used = await mailedToken(alice);
    expect((await reset(used)).data).toBeTruthy();
    expect((await reset(used, 'Another-Pass-3131')).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'token',
    });

    const voided = await mailedToken(alice);
    const newer = await mailedToken(alice);
    expect((await reset(voided, 'Another-Pass-3131')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    ahead += 31 * 60_000;
    try {
      expect((await reset(newer, 'Another-Pass-3131')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      ahead -= 31 * 60_000;
    }
    expect((await reset('x'.repeat(43), 'Another-Pass-3131')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await reset('', 'Another-Pass-3131')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // None of them changed the password.
    expect((await login(alice.username, NEW_PASSWORD)).data?.login.token).toBeTruthy();
  });

  it('works until 30 minutes have passed', async () => {
    const alice = await signup(server);
    const token = await mailedToken(alice);
    ahead += 29 * 60_000;
    try {
      expect((await reset(token)).data?.resetPassword.user.username).toBe(alice.username);
    } finally {
      ahead -= 29 * 60_000;
    }
  });

  it('keeps the token usable when the new password breaks the rules', async () => {
    const alice = await signup(server);
    const token = await mailedToken(alice);
    expect((await reset(token, 'password1')).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'newPassword',
    });
    expect((await reset(token)).data).toBeTruthy();
  });

  it('answers an unknown email as a known one and mails nothing', async () => {
    const result = await requestReset('nobody-here@example.com');
    expect(result.data).toEqual({ requestPasswordReset: true });
    expect(result.errors).toBeUndefined();
    const bad = await requestReset('not an email');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('mails an account at most PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR times, silently', async () => {
    const alice = await signup(server);
    const seen = smtp.mailsTo(emailOf(alice)).length;
    for (let request = 0; request < 7; request++)
      expect((await requestReset(emailOf(alice))).data).toEqual({ requestPasswordReset: true });
    await waitUntil(() => smtp.mailsTo(emailOf(alice)).length - seen >= 5, 'five mails');
    // A sixth would have come by now: one more mail to someone else arrives after it would have.
    const bob = await signup(server);
    await mailedToken(bob);
    expect(smtp.mailsTo(emailOf(alice)).length - seen).toBe(5);
  });
});

describe('password reset limits and timing', () => {
  it('refuses requests from an address past PASSWORD_RESETS_PER_ADDRESS_PER_HOUR', async () => {
    const limited = await startTestServer({
      databaseUrl: database.url,
      env: { SMTP_URL: smtp.url, PASSWORD_RESETS_PER_ADDRESS_PER_HOUR: '3' },
    });
    disposers.push(() => limited.stop());
    const codes = [];
    for (let request = 0; request < 4; request++)
      codes.push((await requestReset('someone@example.com', limited)).errors?.[0]?.extensions?.code ?? 'ok');
    expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
  });

  it('answers before anything depends on the email: while the accounts table is locked, and mails once it is not', async () => {
    const alice = await signup(server);
    const seen = smtp.mails.length;
    const sql = await connectSql(database.url);
    try {
      await sql.query('BEGIN');
      await sql.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const answer = await Promise.race([
        requestReset(emailOf(alice)).then((result) => result.data),
        new Promise((resolve) => setTimeout(() => resolve('no answer while the table was locked'), 10_000)),
      ]);
      expect(answer).toEqual({ requestPasswordReset: true });
      expect(smtp.mails.length).toBe(seen);
    } finally {
      await sql.query('ROLLBACK');
      await sql.end();
    }
    expect(resetToken(await smtp.waitForMail(emailOf(alice), seen))).toBeTruthy();
  });

  it('takes the same time for a known and an unknown email (the median difference within 10%)', async () => {
    const timed = await startTestServer({
      databaseUrl: database.url,
      env: { SMTP_URL: smtp.url, PASSWORD_RESETS_PER_ADDRESS_PER_HOUR: '100000' },
    });
    disposers.push(() => timed.stop());
    const alice = await signup(timed);
    const time = async (email: string) => {
      const started = performance.now();
      await requestReset(email, timed);
      return performance.now() - started;
    };
    for (let round = 0; round < 10; round++) await Promise.all([time(emailOf(alice)), time('nobody@example.com')]);
    // Pairs asked back to back, so that both of a pair meet the same load (other test files run
    // beside this one), compared by the median of their differences. In turns known first, then
    // unknown first: a known address's mail is written after its answer, while the next one runs.
    const known: number[] = [];
    const differences: number[] = [];
    for (let round = 0; round < 100; round++) {
      const unknownEmail = `nobody-${round}@example.com`;
      const [first, second] = round % 2 === 0 ? [emailOf(alice), unknownEmail] : [unknownEmail, emailOf(alice)];
      const [firstMs, secondMs] = [await time(first), await time(second)];
      const [knownMs, unknownMs] = round % 2 === 0 ? [firstMs, secondMs] : [secondMs, firstMs];
      known.push(knownMs);
      differences.push(knownMs - unknownMs);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [typicalMs, differenceMs] = [median(known), median(differences)];
    console.info(`password reset request: median ${typicalMs.toFixed(2)} ms known, known − unknown ${differenceMs.toFixed(2)} ms`);
    expect(Math.abs(differenceMs) / typicalMs).toBeLessThan(0.1);
  });
});

describe('mail delivery', () => {
  /** A database of its own: every instance on one database sends its queued mail, whoever queued it. */
  const ownDatabase = async () => {
    const created = await createTestDatabase();
    disposers.push(() => created.drop());
    return created.url;
  };

  it('keeps a reset mail while the SMTP server is down, and sends it when it is back', async () => {
    const down = await TestSmtpServer.start();
    await down.stop();
    const lines: Array<{ msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const instance = await startTestServer({
      databaseUrl: await ownDatabase(),
      env: { SMTP_URL: down.url },
      log: pino({ level: 'warn' }, sink),
    });
    disposers.push(() => instance.stop());
    const alice = await signup(instance);
    expect((await requestReset(emailOf(alice), instance)).data).toEqual({ requestPasswordReset: true });
    await waitUntil(() => lines.some((line) => line.msg === 'mail not sent; will retry'), 'a logged failure');
    // The server is unaffected.
    expect((await gql(instance, '{ me { username } }', {}, { token: alice.token })).data).toEqual({
      me: { username: alice.username },
    });
    await down.start();
    disposers.push(() => down.stop());
    const mail = await down.waitForMail(emailOf(alice), 0, 15_000);
    expect(resetToken(mail)).toMatch(/^[\w-]{43}$/);
  });

  it('writes the link to the log when no SMTP_URL is set', async () => {
    const lines: Array<{ msg: string; mail?: { to: string; text: string } }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const instance = await startTestServer({ databaseUrl: await ownDatabase(), log: pino({ level: 'info' }, sink) });
    disposers.push(() => instance.stop());
    const alice = await signup(instance);
    await requestReset(emailOf(alice), instance);
    await waitUntil(() => lines.some((line) => line.mail?.to === emailOf(alice)), 'the mail in the log');
    const logged = lines.find((line) => line.mail?.to === emailOf(alice))!;
    expect(logged.mail!.text).toContain(`${instance.url}/reset-password/#token=`);
  });
});
