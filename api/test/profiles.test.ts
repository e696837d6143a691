import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { directConversation } from './support/chat-events.ts';
import { gql, sendMessage, signup, Subscription, type TestUser } from './support/clients.ts';
import { connectSql } from './support/database.ts';
import { avatarUploaded, photoWithGps, setAvatar } from './support/files.ts';
import { useTestServer } from './support/harness.ts';

const files = mkdtempSync(join(tmpdir(), 'chat-profiles-'));
afterAll(() => rm(files, { recursive: true, force: true }));
const context = useTestServer({ env: { FILES_DIR: files } });
const server = () => context.server;

interface EventShape {
  __typename: string;
  user?: { username: string; displayName: string; avatarUrl: string | null };
  message?: { body: string };
}

const EVENTS = `subscription {
  events {
    __typename
    ... on ProfileEvent { user { username displayName avatarUrl } }
    ... on MessageEvent { message { body } }
  }
}`;

/** `user`'s `events` stream over graphql-ws, live on the server once it returns. */
async function listen(user: TestUser, peer: TestUser) {
  const events = new Subscription<EventShape>(await context.openClient(user), EVENTS, {}, 'events');
  context.defer(events.dispose);
  // Live once a message sent after subscribing arrives.
  for (let attempt = 1; ; attempt++) {
    const marker = `ready ${attempt}`;
    await sendMessage(server(), peer, user.username, marker);
    try {
      await events.waitFor(() => events.events.some((event) => event.message?.body === marker), 'ready', 500);
      return events;
    } catch (error) {
      if (attempt === 20) throw error;
    }
  }
}

const rename = (user: TestUser, displayName: string) =>
  gql(server(), 'mutation ($n: String) { updateProfile(displayName: $n) { displayName } }', { n: displayName }, { token: user.token });

describe('profile events', () => {
  it('tells everyone who shares a conversation, and the person’s other tabs, at once; no one else', async () => {
    const [alice, bob, carol, dave] = await Promise.all([signup(server()), signup(server()), signup(server()), signup(server())]);
    await directConversation(server(), alice, bob);
    await directConversation(server(), dave, carol);
    const [bobs, alices, carols] = await Promise.all([listen(bob, dave), listen(alice, dave), listen(carol, dave)]);

    expect((await rename(alice, 'Alice Liddell')).errors).toBeUndefined();
    const profileOf = (events: Subscription<EventShape>) => () =>
      events.events.some((event) => event.__typename === 'ProfileEvent' && event.user?.displayName === 'Alice Liddell');
    await bobs.waitFor(profileOf(bobs), 'bob hears of the new name');
    await alices.waitFor(profileOf(alices), 'alice’s other tab hears of it');
    expect(bobs.events.filter((event) => event.__typename === 'ProfileEvent')).toEqual([
      { __typename: 'ProfileEvent', user: { username: alice.username, displayName: 'Alice Liddell', avatarUrl: null } },
    ]);

    // Carol shares nothing with Alice: a message sent to her after the change arrives with no profile event before it.
    await sendMessage(server(), dave, carol.username, 'after the change');
    await carols.waitFor(() => carols.events.some((event) => event.message?.body === 'after the change'), 'the later message');
    expect(carols.events.filter((event) => event.__typename === 'ProfileEvent')).toEqual([]);
  });

  it('tells of a new avatar and of its removal', async () => {
    const [alice, bob, dave] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    await directConversation(server(), alice, bob);
    const bobs = await listen(bob, dave);
    const id = await avatarUploaded(server(), alice, await photoWithGps());
    expect((await setAvatar(server(), alice, { a: id })).errors).toBeUndefined();
    const avatars = () => bobs.events.filter((event) => event.__typename === 'ProfileEvent').map((event) => event.user?.avatarUrl);
    await bobs.waitFor(() => avatars().length === 1, 'bob hears of the avatar');
    expect(avatars()).toEqual([`/files/avatars/${id}/256`]);
    expect((await setAvatar(server(), alice, { r: true })).errors).toBeUndefined();
    await bobs.waitFor(() => avatars().length === 2, 'bob hears of its removal');
    expect(avatars()).toEqual([`/files/avatars/${id}/256`, null]);
  });

  it('sends nothing when the change is refused', async () => {
    const [alice, bob, dave] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    await directConversation(server(), alice, bob);
    const bobs = await listen(bob, dave);
    expect((await rename(alice, 'x'.repeat(65))).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await setAvatar(server(), alice, { a: randomUUID() })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    await sendMessage(server(), dave, bob.username, 'after the refusal');
    await bobs.waitFor(() => bobs.events.some((event) => event.message?.body === 'after the refusal'), 'the later message');
    expect(bobs.events.filter((event) => event.__typename === 'ProfileEvent')).toEqual([]);
  });
});

/** A stored passkey of `user`'s (the WebAuthn ceremony itself is tested in Chromium: web/e2e/passkeys). */
async function passkeyOf(user: TestUser, name: string) {
  const sql = await connectSql(context.database.url);
  try {
    const id = randomUUID();
    await sql.query(
      `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, name)
       VALUES ($1, $2, $3, '\\x00', 0, '{}', $4)`,
      [id, Number(user.id), randomUUID(), name],
    );
    return id;
  } finally {
    await sql.end();
  }
}

const renamePasskey = (user: TestUser, id: string, name: string) =>
  gql<{ renamePasskey: { id: string; name: string } }>(
    server(),
    'mutation ($id: ID!, $name: String!) { renamePasskey(id: $id, name: $name) { id name } }',
    { id, name },
    { token: user.token },
  );

const passkeyNames = async (user: TestUser) =>
  (await gql<{ me: { passkeys: Array<{ name: string }> } }>(server(), '{ me { passkeys { name } } }', {}, { token: user.token }))
    .data!.me.passkeys.map((passkey) => passkey.name);

describe('renamePasskey', () => {
  it('renames one of the viewer’s passkeys, trimmed, up to 64 characters in any script', async () => {
    const alice = await signup(server());
    const id = await passkeyOf(alice, 'Chromium on Linux');
    expect((await renamePasskey(alice, id, '  Work laptop  ')).data).toEqual({ renamePasskey: { id, name: 'Work laptop' } });
    const long = '鍵'.repeat(64);
    expect((await renamePasskey(alice, id, long)).data).toEqual({ renamePasskey: { id, name: long } });
    expect(await passkeyNames(alice)).toEqual([long]);
  });

  it('refuses an empty, too long or invisible-character name, and another person’s passkey, changing nothing', async () => {
    const [alice, mallory] = await Promise.all([signup(server()), signup(server())]);
    const id = await passkeyOf(alice, 'Phone');
    for (const name of ['', '   ', 'x'.repeat(65), 'evil\u202Ename'])
      expect((await renamePasskey(alice, id, name)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    for (const other of [id, 'not-a-uuid', randomUUID()])
      expect((await renamePasskey(mallory, other, 'Mine now')).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(await passkeyNames(alice)).toEqual(['Phone']);
  });
});
