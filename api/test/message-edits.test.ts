import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, signup, type TestUser } from './support/clients.ts';
import { createGroup, errorCode, listConversations, timeline } from './support/conversations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import {
  deleteMessage,
  editMessage,
  messageState,
  ok,
  sendInto,
  storedMessage,
} from './support/message-changes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const HOUR = 3_600_000;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let sql: pg.Client;
/** The server's clock: the real time plus however far a test moved it. */
let ahead = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ databaseUrl: database.url, clock: () => Date.now() + ahead });
  sql = await connectSql(database.url);
});
afterAll(async () => {
  await sql?.end();
  await server?.stop();
  await database?.drop();
});

async function groupOf(owner: TestUser, ...members: TestUser[]) {
  return (await createGroup(server, owner, 'Edits', members)).id;
}

async function sent(viewer: TestUser, conversationId: string, body: string) {
  return ok(await sendInto(server, viewer, conversationId, body)).sendMessage;
}

describe('editing a message', () => {
  it('changes the text for every member, keeps the earlier text in revisions and marks it edited', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = await groupOf(alice, bob);
    const message = await sent(alice, group, 'the meeting is at 3');
    const edited = ok(await editMessage(server, alice, message.id, '  the meeting is at 4  ')).editMessage;
    expect(edited).toMatchObject({ id: message.id, body: 'the meeting is at 4', deletedAt: null });
    expect(edited.editedAt).not.toBeNull();

    const seenByBob = await messageState(server, bob, group, message.id);
    expect(seenByBob.body).toBe('the meeting is at 4');
    expect(seenByBob.revisions.map((revision) => revision.body)).toEqual(['the meeting is at 3']);
    expect(seenByBob.revisions[0]!.createdAt).toBe(message.createdAt);

    ok(await editMessage(server, alice, message.id, 'the meeting is at 5'));
    const twice = await messageState(server, bob, group, message.id);
    expect(twice.revisions.map((revision) => revision.body)).toEqual(['the meeting is at 3', 'the meeting is at 4']);
    // The first revision was written when the message was sent, the second at the first edit.
    expect(twice.revisions[1]!.createdAt).toBe(edited.editedAt);
  });

  it('changes nothing when the text is the same', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = await groupOf(alice, bob);
    const message = await sent(alice, group, 'unchanged');
    const before = await storedMessage(sql, message.id);
    const answer = ok(await editMessage(server, alice, message.id, ' unchanged ')).editMessage;
    expect(answer).toMatchObject({ body: 'unchanged', editedAt: null, revisions: [] });
    expect(await storedMessage(sql, message.id)).toEqual(before);
  });

  it('refuses, changing nothing, whoever is not its sender, a system line, a deleted message and a bad body', async () => {
    const [alice, bob, eve] = [await signup(server), await signup(server), await signup(server)];
    const group = await groupOf(alice, bob);
    const message = await sent(alice, group, 'mine');
    const systemLine = (await timeline(server, alice, group)).find((line) => line.kind === 'SYSTEM')!;
    const gone = await sent(alice, group, 'about to go');
    ok(await deleteMessage(server, alice, gone.id));

    const refusals: Array<[string, () => Promise<{ errors?: unknown }>, string, string]> = [
      ['a member who did not send it', () => editMessage(server, bob, message.id, 'theirs'), message.id, 'FORBIDDEN'],
      ['a stranger', () => editMessage(server, eve, message.id, 'theirs'), message.id, 'NOT_FOUND'],
      ['a system line', () => editMessage(server, alice, systemLine.id, 'rewritten'), systemLine.id, 'FORBIDDEN'],
      ['a deleted message', () => editMessage(server, alice, gone.id, 'back'), gone.id, 'FORBIDDEN'],
      ['an empty body', () => editMessage(server, alice, message.id, '   '), message.id, 'BAD_USER_INPUT'],
      ['a body too long', () => editMessage(server, alice, message.id, 'x'.repeat(4_001)), message.id, 'BAD_USER_INPUT'],
      ['an id that is no message', () => editMessage(server, alice, 'nope', 'x'), message.id, 'NOT_FOUND'],
    ];
    for (const [who, attempt, id, code] of refusals) {
      const before = await storedMessage(sql, id);
      const result = await attempt();
      expect({ who, code: errorCode(result as never) }).toEqual({ who, code });
      expect(await storedMessage(sql, id)).toEqual(before);
    }
  });

  it('counts a body by characters as people see them: 4,000 emoji fit', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = await groupOf(alice, bob);
    const message = await sent(alice, group, 'short');
    expect(ok(await editMessage(server, alice, message.id, '😀'.repeat(4_000))).editMessage.body).toHaveLength(8_000);
  });

  it('is allowed within MESSAGE_EDIT_WINDOW (24 h) and refused, saying why, after it', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = await groupOf(alice, bob);
    const message = await sent(alice, group, 'day one');
    const until = async (viewer: TestUser) =>
      (
        await gql<{ conversationById: { message: { editableUntil: string | null } } }>(
          server,
          'query ($c: ID!, $m: ID!) { conversationById(id: $c) { message(id: $m) { editableUntil } } }',
          { c: group, m: message.id },
          { token: viewer.token },
        )
      ).data!.conversationById.message.editableUntil;
    // Said to its sender, so a client offers Edit exactly while it may; to nobody else.
    expect(await until(alice)).toBe(new Date(new Date(message.createdAt).getTime() + 24 * HOUR).toISOString());
    expect(await until(bob)).toBeNull();
    try {
      ahead = 24 * HOUR - 60_000;
      ok(await editMessage(server, alice, message.id, 'day one, still'));
      ahead = 24 * HOUR + 60_000;
      const before = await storedMessage(sql, message.id);
      const late = await editMessage(server, alice, message.id, 'day two');
      expect(errorCode(late)).toBe('FORBIDDEN');
      expect(JSON.stringify(late.errors)).toContain('too old');
      expect(await storedMessage(sql, message.id)).toEqual(before);
    } finally {
      ahead = 0;
    }
  });

  it('takes at most 20 edits, then refuses saying so', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = await groupOf(alice, bob);
    const message = await sent(alice, group, 'v0');
    for (let version = 1; version <= 20; version++) ok(await editMessage(server, alice, message.id, `v${version}`));
    const before = await storedMessage(sql, message.id);
    const refused = await editMessage(server, alice, message.id, 'v21');
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(JSON.stringify(refused.errors)).toContain('20 times');
    expect(await storedMessage(sql, message.id)).toEqual(before);
    const state = await messageState(server, bob, group, message.id);
    expect(state.body).toBe('v20');
    expect(state.revisions.map((revision) => revision.body)).toEqual(
      Array.from({ length: 20 }, (_, version) => `v${version}`),
    );
  });

  it('recomputes mentions: someone newly named counts it as a mention, someone no longer named does not', async () => {
    const [alice, bob, carol] = [await signup(server), await signup(server), await signup(server)];
    const group = await groupOf(alice, bob, carol);
    const message = await sent(alice, group, `hello @${bob.username}`);
    const mentions = async (viewer: TestUser) =>
      (await listConversations(server, viewer)).edges.find((edge) => edge.node.id === group)!.node.mentionCount;
    expect([await mentions(bob), await mentions(carol)]).toEqual([1, 0]);

    const edited = ok(await editMessage(server, alice, message.id, `hello @${carol.username.toUpperCase()}`));
    expect(edited.editMessage.mentions).toEqual([{ username: carol.username }]);
    expect([await mentions(bob), await mentions(carol)]).toEqual([0, 1]);
  });
});
