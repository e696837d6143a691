import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { gql, signup, type TestUser, signupMany } from './support/clients.ts';
import {
  addMembers,
  conversationById,
  createGroup,
  errorCode,
  markRead,
  receivedBody,
  send,
  timeline,
  openEvents,
  removeMember,
  type ChatEvent,
} from './support/conversations.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();
let sql: pg.Client;
let pinger: TestUser;

beforeAll(async () => {
  sql = await connectSql(harness.database.url);
  pinger = await signup(harness.server);
  harness.defer(() => sql.end());
});

/** A fresh query, as a reload or another device makes it. */
const view = async (viewer: TestUser, id: string) => (await conversationById(harness.server, viewer, id))!;

const readPositionOf = async (viewer: TestUser, id: string, of: TestUser) =>
  (await view(viewer, id)).members.find((member) => member.user.username === of.username)!.lastReadMessageId;

const readEvents = (events: readonly ChatEvent[]) =>
  events.filter((event) => event.__typename === 'ReadEvent');

async function setShareReadReceipts(user: TestUser, share: boolean) {
  const result = await gql<{ updateSettings: { shareReadReceipts: boolean } }>(
    harness.server,
    'mutation ($share: Boolean) { updateSettings(shareReadReceipts: $share) { shareReadReceipts } }',
    { share },
    { token: user.token },
  );
  expect(result.data?.updateSettings.shareReadReceipts).toBe(share);
}

describe('unread counts', () => {
  it('starts someone added to a group with nothing unread, though they see the whole history', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(harness.server, alice, 'Book club', [bob]);
    for (const body of ['one', 'two', 'three']) await send(harness.server, bob, group.id, body);
    await addMembers(harness.server, alice, group.id, [carol]);
    expect(await view(carol, group.id)).toMatchObject({ unreadCount: 0 });
    const history = await timeline(harness.server, carol, group.id);
    expect(history.filter((message) => message.kind === 'TEXT').map((message) => message.body)).toEqual([
      'one',
      'two',
      'three',
    ]);
    await send(harness.server, bob, group.id, 'four');
    expect(await view(carol, group.id)).toMatchObject({ unreadCount: 1 });
  });

  it('counts text messages from others after the read position, kept on the server', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const first = await send(harness.server, bob, alice, 'one');
    const second = await send(harness.server, bob, alice, 'two');
    const third = await send(harness.server, bob, alice, 'three');
    const id = first.conversation.id;
    expect(await view(alice, id)).toMatchObject({ unreadCount: 3, lastReadMessageId: null });
    // Sending marks your own message read: nothing of your own is unread.
    expect(await view(bob, id)).toMatchObject({ unreadCount: 0, lastReadMessageId: third.id });

    const marked = await markRead(harness.server, alice, id, second.id);
    expect(marked.data!.markRead).toMatchObject({ unreadCount: 1, lastReadMessageId: second.id });
    expect(await view(alice, id)).toMatchObject({ unreadCount: 1, lastReadMessageId: second.id });

    // A mark behind the position changes nothing and is no error.
    const behind = await markRead(harness.server, alice, id, first.id);
    expect(behind.errors).toBeUndefined();
    expect(behind.data!.markRead).toMatchObject({ unreadCount: 1, lastReadMessageId: second.id });
    const { rows } = await sql.query(
      'SELECT last_read_message_id::text AS id FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
      [Number(id), Number(alice.id)],
    );
    expect(rows).toEqual([{ id: second.id }]);

    // Replying marks what came before as read too.
    await send(harness.server, alice, bob, 'reply');
    expect(await view(alice, id)).toMatchObject({ unreadCount: 0 });
    expect(await view(bob, id)).toMatchObject({ unreadCount: 1 });
  });

  it('leaves SYSTEM lines out of the count', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(harness.server, alice, 'Counting', [bob]);
    await addMembers(harness.server, alice, group.id, [carol]);
    expect(await view(bob, group.id)).toMatchObject({ unreadCount: 0 });
    await send(harness.server, alice, group.id, 'a');
    await send(harness.server, carol, group.id, 'b');
    expect(await view(bob, group.id)).toMatchObject({ unreadCount: 2 });
    expect(await view(carol, group.id)).toMatchObject({ unreadCount: 0 });
    expect(await view(alice, group.id)).toMatchObject({ unreadCount: 1 });
  });

  it('refuses a mark with a message of another conversation, changing nothing', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    const mine = await send(harness.server, bob, alice, 'ours');
    const theirs = await send(harness.server, carol, bob, 'not yours');
    expect(errorCode(await markRead(harness.server, alice, mine.conversation.id, theirs.id))).toBe(
      'BAD_USER_INPUT',
    );
    expect(await view(alice, mine.conversation.id)).toMatchObject({
      unreadCount: 1,
      lastReadMessageId: null,
    });
  });
});

describe('read receipts', () => {
  it('reach the other member and the reader’s other tab as ReadEvents, and show in members', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const hello = await send(harness.server, bob, alice, 'hello');
    const id = hello.conversation.id;
    const bobSees = await openEvents(harness, bob, pinger);
    const aliceOtherTab = await openEvents(harness, alice, pinger);
    await markRead(harness.server, alice, id, hello.id);
    const expected = {
      __typename: 'ReadEvent',
      conversation: { id },
      user: { username: alice.username },
      lastReadMessageId: hello.id,
    };
    for (const stream of [bobSees, aliceOtherTab]) {
      await stream.waitFor(() => readEvents(stream.events).length > 0, 'a ReadEvent');
      expect(readEvents(stream.events)).toEqual([expected]);
    }
    expect(await readPositionOf(bob, id, alice)).toBe(hello.id);
    expect(await readPositionOf(alice, id, bob)).toBe(hello.id);

    // A mark behind the position moves nothing and tells no one.
    await markRead(harness.server, alice, id, hello.id);
    await send(harness.server, alice, bob, 'after the repeat');
    await receivedBody(bobSees, 'after the repeat');
    expect(readEvents(bobSees.events)).toHaveLength(1);
  });

  for (const privateSide of ['reader', 'writer'] as const) {
    it(`stay private both ways when the ${privateSide} turns them off; unread counts still work`, async () => {
      const [reader, writer] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
      await setShareReadReceipts(privateSide === 'reader' ? reader : writer, false);
      const hello = await send(harness.server, writer, reader, 'hello');
      const id = hello.conversation.id;
      const writerSees = await openEvents(harness, writer, pinger);
      const readerOtherTab = await openEvents(harness, reader, pinger);

      expect(await view(reader, id)).toMatchObject({ unreadCount: 1 });
      await markRead(harness.server, reader, id, hello.id);
      expect(await view(reader, id)).toMatchObject({ unreadCount: 0, lastReadMessageId: hello.id });
      // The reader's own tabs still hear of it.
      await readerOtherTab.waitFor(() => readEvents(readerOtherTab.events).length === 1, 'the own ReadEvent');

      // Neither sees the other's position; each sees their own.
      expect(await readPositionOf(writer, id, reader)).toBeNull();
      expect(await readPositionOf(reader, id, writer)).toBeNull();
      expect(await readPositionOf(reader, id, reader)).toBe(hello.id);
      expect(await readPositionOf(writer, id, writer)).toBe(hello.id);

      // And the other way round: the writer reads a reply.
      const reply = await send(harness.server, reader, writer, 'reply');
      expect(await view(writer, id)).toMatchObject({ unreadCount: 1 });
      await markRead(harness.server, writer, id, reply.id);
      expect(await view(writer, id)).toMatchObject({ unreadCount: 0 });
      await send(harness.server, reader, writer, 'proof');
      await receivedBody(writerSees, 'proof');
      await receivedBody(readerOtherTab, 'proof');
      expect(readEvents(writerSees.events).map((event) => event.user.username)).toEqual([writer.username]);
      expect(readEvents(readerOtherTab.events).map((event) => event.user.username)).toEqual([
        reader.username,
      ]);
    });
  }

  it('in a group, hide only the private member’s position and theirs of others', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    await setShareReadReceipts(carol, false);
    const group = await createGroup(harness.server, alice, 'Receipts', [bob, carol]);
    const hello = await send(harness.server, alice, group.id, 'hello');
    await markRead(harness.server, bob, group.id, hello.id);
    await markRead(harness.server, carol, group.id, hello.id);
    const positions = async (viewer: TestUser) =>
      Object.fromEntries(
        (await view(viewer, group.id)).members.map((member) => [
          member.user.username,
          member.lastReadMessageId,
        ]),
      );
    expect(await positions(alice)).toEqual({
      [alice.username]: hello.id,
      [bob.username]: hello.id,
      [carol.username]: null,
    });
    expect(await positions(carol)).toEqual({
      [alice.username]: null,
      [bob.username]: null,
      [carol.username]: hello.id,
    });
  });

  it('count whoever read a message in readByCount, members or departed, among those who share receipts', async () => {
    const [alice, bob, carol, dave] = (await signupMany(harness.server, 4)) as [TestUser, TestUser, TestUser, TestUser];
    const group = await createGroup(harness.server, alice, 'Read by', [bob, carol, dave]);
    const hello = await send(harness.server, alice, group.id, 'hello');
    const later = await send(harness.server, alice, group.id, 'later');
    const readBy = async (viewer: TestUser) =>
      Object.fromEntries(
        (
          await gql<{ conversationById: { messages: { edges: Array<{ node: { id: string; readByCount: number | null } }> } } }>(
            harness.server,
            'query ($id: ID!) { conversationById(id: $id) { messages(last: 5) { edges { node { id readByCount } } } } }',
            { id: group.id },
            { token: viewer.token },
          )
        )
          .data!.conversationById.messages.edges.filter(({ node }) => [hello.id, later.id].includes(node.id))
          .map(({ node }) => [node.id, node.readByCount]),
      );
    await markRead(harness.server, bob, group.id, hello.id);
    await markRead(harness.server, carol, group.id, later.id);
    await markRead(harness.server, dave, group.id, later.id);
    expect(await readBy(alice)).toEqual({ [hello.id]: 3, [later.id]: 2 });

    // Carol leaves: what she read still counts.
    expect(errorCode(await removeMember(harness.server, carol, group.id, carol))).toBe('none');
    expect(await readBy(alice)).toEqual({ [hello.id]: 3, [later.id]: 2 });

    // Dave hides his receipts: he is no longer counted, and sees no counts himself.
    await setShareReadReceipts(dave, false);
    expect(await readBy(alice)).toEqual({ [hello.id]: 2, [later.id]: 1 });
    expect(await readBy(dave)).toEqual({ [hello.id]: null, [later.id]: null });
  });
});
