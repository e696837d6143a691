import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, PASSWORD, signup, type TestUser } from './support/clients.ts';
import { createGroup, errorCode, send, timeline } from './support/conversations.ts';
import { avatarUploaded, fetchFile, photoWithGps, sendFiles, setAvatar, uploaded } from './support/files.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const run = promisify(execFile);

/**
 * The database's data as `pg_dump --data-only` writes it; where the machine's pg_dump is older
 * than the server (Debian's 15 beside the embedded PostgreSQL 18, which it refuses to dump), every
 * row of every table read through SQL, the job queue's and the search columns included.
 */
async function dumpOf(url: string): Promise<string> {
  const sql = await connectSql(url);
  try {
    const { stdout: version } = await run('pg_dump', ['--version']);
    const serverMajor = Number((await sql.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v.slice(0, -4));
    if (Number(/(\d+)\.\d+/.exec(version)![1]) >= serverMajor)
      return (await run('pg_dump', ['--data-only', url], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    const { rows: tables } = await sql.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const rows: string[] = [];
    for (const { name } of tables)
      rows.push(...(await sql.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`)).rows.map(({ row }) => row));
    return rows.join('\n');
  } finally {
    await sql.end();
  }
}
const storage = mkdtempSync(join(tmpdir(), 'chat-account-data-'));
afterAll(() => rm(storage, { recursive: true, force: true }));
const context = useTestServer({ env: { FILES_DIR: storage } });
const server = () => context.server;

const displayNameOf = async (viewer: TestUser, username: string) => {
  const result = await gql<{ users: { edges: Array<{ node: { username: string; displayName: string } }> } }>(
    server(),
    'query ($s: String!) { users(first: 5, search: $s) { edges { node { username displayName avatarUrl } } } }',
    { s: username },
    { token: viewer.token },
  );
  return result.data!.users.edges.map((edge) => edge.node);
};

const updateProfile = (viewer: TestUser, variables: Record<string, unknown>) =>
  gql(
    server(),
    'mutation ($n: String, $a: ID) { updateProfile(displayName: $n, avatarUploadId: $a) { username displayName avatarUrl } }',
    variables,
    { token: viewer.token },
  );

const deleteAccount = (viewer: TestUser, eraseMessages: boolean, password = PASSWORD) =>
  gql(server(), 'mutation ($p: String!, $e: Boolean!) { deleteAccount(password: $p, eraseMessages: $e) }', { p: password, e: eraseMessages }, { token: viewer.token });

describe('profiles', () => {
  it('shows the username until a display name is chosen, then the name in any script', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    expect(await displayNameOf(bob, alice.username)).toEqual([
      { username: alice.username, displayName: alice.username, avatarUrl: null },
    ]);
    const result = await updateProfile(alice, { n: '  Алиса 李 👩‍💻 ' });
    expect(result.data).toEqual({ updateProfile: { username: alice.username, displayName: 'Алиса 李 👩‍💻', avatarUrl: null } });
    expect((await displayNameOf(bob, alice.username))[0]!.displayName).toBe('Алиса 李 👩‍💻');
    // An empty name goes back to the username.
    await updateProfile(alice, { n: '' });
    expect((await displayNameOf(bob, alice.username))[0]!.displayName).toBe(alice.username);
  });

  it('refuses a bad display name or an avatar upload, changing nothing', async () => {
    const alice = await signup(server());
    await updateProfile(alice, { n: 'Alice' });
    for (const n of ['x'.repeat(65), 'a\nb', 'evil\u202Eman'])
      expect((await updateProfile(alice, { n })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'displayName' });
    expect((await updateProfile(alice, { a: '1' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'avatarUploadId' });
    expect((await displayNameOf(alice, alice.username))).toEqual([]);
    const me = await gql(server(), '{ me { displayName } }', {}, { token: alice.token });
    expect(me.data).toEqual({ me: { displayName: 'Alice' } });
  });

  it('changes the email with the password only', async () => {
    const alice = await signup(server());
    const change = (password: string, email: string) =>
      gql(server(), 'mutation ($p: String!, $e: String!) { changeEmail(password: $p, email: $e) { email } }', { p: password, e: email }, { token: alice.token });
    expect((await change('wrong-password-1', 'new@example.org')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await change(PASSWORD, 'not an email')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await change(PASSWORD, 'new@example.org')).data).toEqual({ changeEmail: { email: 'new@example.org' } });
  });
});

/** The zip GET /account/export streams, unpacked with unzip(1): file name → bytes. */
async function exported(viewer: TestUser): Promise<Map<string, Buffer>> {
  const response = await fetch(`${server().url}/account/export`, { headers: { authorization: `Bearer ${viewer.token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/zip');
  const directory = await mkdtemp(join(tmpdir(), 'export-'));
  try {
    await writeFile(join(directory, 'export.zip'), Buffer.from(await response.arrayBuffer()));
    await run('unzip', ['-q', 'export.zip', '-d', 'out'], { cwd: directory });
    const { stdout } = await run('find', ['out', '-type', 'f'], { cwd: directory });
    const files = new Map<string, Buffer>();
    for (const path of stdout.split('\n').filter(Boolean))
      files.set(path.slice('out/'.length), await readFile(join(directory, path)));
    return files;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const texts = (files: Map<string, Buffer>) => new Map([...files].map(([name, bytes]) => [name, bytes.toString()]));

describe('export', () => {
  it('streams a zip of the profile and every conversation with every message, received ones too, as JSON and HTML', async () => {
    const [alice, bob, carol] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    const group = await createGroup(server(), alice, 'Trip <planning>', [bob, carol]);
    await send(server(), alice, group.id, 'hello <b>group</b>');
    await send(server(), carol, group.id, 'from carol');
    await send(server(), bob, alice, 'direct from bob');
    const files = texts(await exported(alice));
    const conversationFiles = [...files.keys()].filter((name) => name.startsWith('conversations/'));
    expect([...files.keys()].sort()).toEqual(['index.html', 'profile.json', ...conversationFiles].sort());
    expect(conversationFiles).toHaveLength(4);
    expect(JSON.parse(files.get('profile.json')!)).toMatchObject({ username: alice.username, email: `${alice.username}@example.com` });
    const groupJson = JSON.parse(files.get(`conversations/${group.id}.json`)!) as { title: string; members: string[]; messages: Array<{ sender: string; body: string }> };
    expect(groupJson.title).toBe('Trip <planning>');
    expect(groupJson.members.sort()).toEqual([alice.username, bob.username, carol.username].sort());
    expect(groupJson.messages.filter((message) => message.sender !== alice.username || message.body.startsWith('hello'))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sender: alice.username, body: 'hello <b>group</b>' }),
        expect.objectContaining({ sender: carol.username, body: 'from carol' }),
      ]),
    );
    const groupHtml = files.get(`conversations/${group.id}.html`)!;
    expect(groupHtml).toContain('hello &lt;b&gt;group&lt;/b&gt;');
    expect(groupHtml).not.toContain('<b>group</b>');
    const direct = [...files.entries()].find(([name, text]) => name.endsWith('.json') && text.includes('direct from bob'));
    expect(direct).toBeDefined();
    expect(files.get('index.html')).toContain('Trip &lt;planning&gt;');
    const bobFiles = texts(await exported(bob));
    expect([...bobFiles.values()].some((text) => text.includes('direct from bob'))).toBe(true);
  });

  it('holds the files of the messages, sent and received, referenced from the JSON and the HTML', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const group = await createGroup(server(), alice, 'Files', [bob]);
    const pdf = Buffer.from('%PDF-1.4\nalice’s notes\n');
    const notes = await uploaded(server(), alice, group.id, 'notes.pdf', pdf);
    const [photo, other] = [await uploaded(server(), bob, group.id, 'IMG 1.jpg', await photoWithGps(), 'image/jpeg'), await uploaded(server(), bob, group.id, '..', Buffer.from('x'))];
    expect(errorCode(await sendFiles(server(), alice, group.id, 'my notes', [notes]))).toBe('none');
    const sent = await sendFiles(server(), bob, group.id, 'a photo', [photo, other]);
    const stored = Buffer.from(await (await fetchFile(server(), bob, sent.data!.sendMessage.attachments[0]!.url)).arrayBuffer());

    const files = await exported(alice);
    expect(files.get(`files/${notes}-notes.pdf`)).toEqual(pdf);
    expect(files.get(`files/${photo}-IMG 1.jpg`)).toEqual(stored);
    expect(files.get(`files/${other}-..`)).toEqual(Buffer.from('x'));
    const json = JSON.parse(files.get(`conversations/${group.id}.json`)!.toString()) as { messages: Array<{ body: string; attachments: Array<{ path: string }> }> };
    expect(json.messages.find((message) => message.body === 'a photo')!.attachments.map((file) => file.path)).toEqual([
      `files/${photo}-IMG 1.jpg`,
      `files/${other}-..`,
    ]);
    expect(files.get(`conversations/${group.id}.html`)!.toString()).toContain(`<a href="../files/${notes}-notes.pdf">notes.pdf</a>`);
  });

  it('holds the avatar as its largest square, named in profile.json', async () => {
    const alice = await signup(server());
    expect(JSON.parse(texts(await exported(alice)).get('profile.json')!)).toMatchObject({ avatar: null });
    const upload = await avatarUploaded(server(), alice, await photoWithGps());
    expect((await setAvatar(server(), alice, { a: upload })).errors).toBeUndefined();
    const files = await exported(alice);
    expect(JSON.parse(files.get('profile.json')!.toString())).toMatchObject({ avatar: 'avatar.webp' });
    expect(files.has('avatar.webp')).toBe(true);
    const avatar = await sharp(files.get('avatar.webp')).metadata();
    expect([avatar.format, avatar.width, avatar.height]).toEqual(['webp', 256, 256]);
  });

  it('needs a session', async () => {
    expect((await fetch(`${server().url}/account/export`)).status).toBe(401);
  });
});

describe('deleting an account', () => {
  it('keeps the messages under "Deleted user", leaves groups passing ownership on, ends sessions, and never frees the username', async () => {
    const [alice, bob, carol] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    const group = await createGroup(server(), alice, 'Book club', [bob, carol]);
    await send(server(), alice, group.id, 'alice was here');
    const direct = await send(server(), alice, bob, 'a direct word');
    expect((await deleteAccount(alice, false, 'wrong-password-1')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await deleteAccount(alice, false)).data).toEqual({ deleteAccount: true });

    expect((await gql(server(), '{ me { username } }', {}, { token: alice.token })).data).toEqual({ me: null });
    const login = await gql(server(), 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: alice.username, p: PASSWORD });
    expect(login.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const again = await gql(server(), 'mutation ($u: String!, $e: String!, $p: String!) { signup(username: $u, email: $e, password: $p) { token } }', { u: alice.username, e: 'x@example.org', p: PASSWORD });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const messages = await timeline(server(), bob, group.id);
    expect(messages.map((message) => message.body)).toContain('alice was here');
    const members = await gql(server(), 'query ($id: ID!) { conversationById(id: $id) { members { role user { username } } } }', { id: group.id }, { token: bob.token });
    const remaining = members.data!.conversationById.members as Array<{ role: string; user: { username: string } }>;
    expect(remaining.map((member) => member.user.username).sort()).toEqual([bob.username, carol.username].sort());
    expect(remaining.map((member) => member.role).sort()).toEqual(['MEMBER', 'OWNER']);
    const directView = await gql(
      server(),
      'query ($c: ID!, $id: ID!) { conversationById(id: $c) { message(id: $id) { body sender { username displayName } } } }',
      { c: direct.conversation.id, id: direct.id },
      { token: bob.token },
    );
    expect(directView.data).toEqual({
      conversationById: { message: { body: 'a direct word', sender: { username: alice.username, displayName: 'Deleted user' } } },
    });
    expect(await displayNameOf(bob, alice.username)).toEqual([]);
  });

  it('with eraseMessages, leaves tombstones and no trace of the texts in a pg_dump', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const group = await createGroup(server(), alice, 'Erasers', [bob]);
    const secret = `secret-${alice.username}`;
    await send(server(), alice, group.id, `${secret} in a group`);
    await send(server(), alice, bob, `${secret} directly`);
    await send(server(), bob, alice, 'bob keeps his words');
    expect((await deleteAccount(alice, true)).data).toEqual({ deleteAccount: true });
    const bodies = (await timeline(server(), bob, group.id)).filter((message) => message.kind === 'TEXT').map((message) => message.body);
    expect(bodies).toEqual(['']);
    const everything = await dumpOf(context.database.url);
    expect(everything).not.toContain(secret);
    expect(everything).toContain('bob keeps his words');
  });
});
