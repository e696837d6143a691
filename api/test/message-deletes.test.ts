import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { signup, type TestUser } from './support/clients.ts';
import { createGroup, errorCode, listConversations, markRead, send, timeline } from './support/conversations.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import {
  addReaction,
  deleteMessage,
  editMessage,
  messageState,
  ok,
  sendInto,
  storedMessage,
} from './support/message-changes.ts';

const harness = useTestServer();
const server = () => harness.server;

async function sql() {
  const client = await connectSql(harness.database.url);
  harness.defer(() => client.end());
  return client;
}

async function sent(viewer: TestUser, conversationId: string, body: string, replyTo?: string) {
  return ok(await sendInto(server(), viewer, conversationId, body, replyTo)).sendMessage;
}

/**
 * Every row of every table of the database as text: what pg_dump writes, read with the
 * pg_dump of the server's own version when this machine has one (the system PostgreSQL),
 * else with SQL (the embedded PostgreSQL of `npm test` ships without pg_dump).
 */
async function fullDump(): Promise<string> {
  const client = await sql();
  const { rows } = await client.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
  const major = Math.floor(Number(rows[0]!.version) / 10_000);
  const pgDump = process.env.PG_DUMP ?? `/usr/lib/postgresql/${major}/bin/pg_dump`;
  try {
    const { stdout } = await promisify(execFile)(pgDump, ['--dbname', harness.database.url], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const tables = await client.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const dumped: string[] = [];
  for (const { name } of tables.rows)
    dumped.push(...(await client.query<{ row: string }>(`SELECT t::text AS row FROM ${name} AS t`)).rows.map((r) => r.row));
  return dumped.join('\n');
}

describe('deleting a message for everyone', () => {
  it('leaves a tombstone in its place: same id, sender, time and order, no text, revisions, reactions or mentions', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = (await createGroup(server(), alice, 'Tombstones', [bob])).id;
    const before = await sent(alice, group, 'before');
    const message = await sent(alice, group, `first draft @${bob.username} @all`);
    ok(await editMessage(server(), alice, message.id, `second draft @${bob.username}`));
    ok(await addReaction(server(), bob, message.id, '👍'));
    const after = await sent(bob, group, 'after');

    const tombstone = ok(await deleteMessage(server(), alice, message.id)).deleteMessage;
    expect(tombstone).toMatchObject({
      id: message.id,
      body: '',
      kind: 'TEXT',
      sender: { username: alice.username },
      createdAt: message.createdAt,
      revisions: [],
      reactions: [],
      mentions: [],
      mentionsEveryone: false,
    });
    expect(tombstone.deletedAt).not.toBeNull();
    expect(await messageState(server(), bob, group, message.id)).toEqual({ ...tombstone, cursor: expect.any(String) });
    expect((await timeline(server(), bob, group)).map((line) => line.id).slice(-3)).toEqual([
      before.id,
      message.id,
      after.id,
    ]);

    // Deleting twice answers the same tombstone and changes nothing.
    const stored = await storedMessage(await sql(), message.id);
    expect(ok(await deleteMessage(server(), alice, message.id)).deleteMessage).toEqual(tombstone);
    expect(await storedMessage(await sql(), message.id)).toEqual(stored);
  });

  it('erases the text and every earlier text from the database: a full dump holds none of them', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = (await createGroup(server(), alice, 'Secrets', [bob])).id;
    const words = ['aardvark-7f3e', 'bandicoot-91c2', 'capybara-44d0'];
    const message = await sent(alice, group, `the code is ${words[0]}`);
    ok(await editMessage(server(), alice, message.id, `the code is ${words[1]}`));
    ok(await editMessage(server(), alice, message.id, `the code is ${words[2]}`));
    const kept = await sent(alice, group, 'this one stays: dingo-0b5a');
    ok(await sendInto(server(), bob, group, 'an answer', message.id));

    const dumpBefore = await fullDump();
    for (const word of [...words, 'dingo-0b5a']) expect(dumpBefore).toContain(word);
    ok(await deleteMessage(server(), alice, message.id));
    const dump = await fullDump();
    for (const word of words) expect(dump).not.toContain(word);
    expect(dump).toContain('dingo-0b5a');
    expect(kept.body).toContain('dingo-0b5a');
  });

  it('may be done by its sender, and in a group by its owner; anyone else is refused and nothing changes', async () => {
    const [owner, member, other, stranger] = [
      await signup(server()),
      await signup(server()),
      await signup(server()),
      await signup(server()),
    ];
    const group = (await createGroup(server(), owner, 'Moderated', [member, other])).id;
    const byMember = await sent(member, group, 'from a member');
    const systemLine = (await timeline(server(), owner, group)).find((line) => line.kind === 'SYSTEM')!;
    const direct = await send(server(), owner, member, 'a direct word');

    const refusals: Array<[string, TestUser, string, string]> = [
      ['another member', other, byMember.id, 'FORBIDDEN'],
      ['a stranger', stranger, byMember.id, 'NOT_FOUND'],
      ['the owner, for a system line', owner, systemLine.id, 'FORBIDDEN'],
      ['the other person of a direct conversation', member, direct.id, 'FORBIDDEN'],
    ];
    for (const [who, viewer, id, code] of refusals) {
      const stored = await storedMessage(await sql(), id);
      expect({ who, code: errorCode(await deleteMessage(server(), viewer, id)) }).toEqual({ who, code });
      expect(await storedMessage(await sql(), id)).toEqual(stored);
    }

    expect(ok(await deleteMessage(server(), owner, byMember.id)).deleteMessage.deletedAt).not.toBeNull();
    expect(ok(await deleteMessage(server(), owner, direct.id)).deleteMessage.deletedAt).not.toBeNull();
  });

  it('shows in the replies to it, takes no new reply, edit or reaction', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = (await createGroup(server(), alice, 'Replies', [bob])).id;
    const original = await sent(alice, group, 'the original');
    const reply = await sent(bob, group, 'an answer', original.id);
    expect(reply.replyTo).toEqual({ id: original.id, body: 'the original', deletedAt: null });
    ok(await editMessage(server(), alice, original.id, 'the original, edited'));
    expect((await messageState(server(), bob, group, reply.id)).replyTo).toMatchObject({
      body: 'the original, edited',
    });

    ok(await deleteMessage(server(), alice, original.id));
    const replyNow = await messageState(server(), bob, group, reply.id);
    expect(replyNow.replyTo).toMatchObject({ id: original.id, body: '' });
    expect(replyNow.replyTo!.deletedAt).not.toBeNull();

    const stored = await storedMessage(await sql(), original.id);
    expect(errorCode(await sendInto(server(), bob, group, 'too late', original.id))).toBe('NOT_FOUND');
    expect(errorCode(await editMessage(server(), alice, original.id, 'back'))).toBe('FORBIDDEN');
    expect(errorCode(await addReaction(server(), bob, original.id, '👍'))).toBe('BAD_USER_INPUT');
    expect(await storedMessage(await sql(), original.id)).toEqual(stored);
  });

  it('leaves unread and mention counts at once, and the chat list shows the tombstone', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = (await createGroup(server(), alice, 'Counts', [bob])).id;
    const opened = await sent(bob, group, 'seen');
    ok(await markRead(server(), bob, group, opened.id));
    await sent(alice, group, 'plain');
    const mention = await sent(alice, group, `hey @${bob.username}`);
    const listed = async () =>
      (await listConversations(server(), bob)).edges.find((edge) => edge.node.id === group)!.node;
    expect(await listed()).toMatchObject({ unreadCount: 2, mentionCount: 1, lastMessage: { id: mention.id } });

    ok(await deleteMessage(server(), alice, mention.id));
    expect(await listed()).toMatchObject({
      unreadCount: 1,
      mentionCount: 0,
      lastMessage: { id: mention.id, body: '', kind: 'TEXT' },
    });
  });

  it('is left out of the compat history, which shows the current text of an edited message', async () => {
    const alice = await signup(server());
    const bob = await signup(server());
    const kept = await send(server(), alice, bob, 'kept');
    const edited = await send(server(), alice, bob, 'typo');
    const gone = await send(server(), alice, bob, 'regretted');
    ok(await editMessage(server(), alice, edited.id, 'fixed'));
    ok(await deleteMessage(server(), alice, gone.id));

    const response = await fetch(`${server().url}/api/messages/${alice.username}/${bob.username}/?limit=2`, {
      headers: { cookie: `sessionid=${alice.token}` },
    });
    const { messages: history } = (await response.json()) as { messages: Array<{ id: string; message: string }> };
    expect(history.map((entry) => entry.message)).toEqual(['kept', 'fixed']);
    expect(history.map((entry) => String(entry.id))).toEqual([kept.id, edited.id]);
  });
});
