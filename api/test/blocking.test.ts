import { describe, expect, it } from 'vitest';
import { ChatEvents, createGroup, directConversation, presenceOf, setTyping } from './support/chat-events.ts';
import { gql, sendMessage, signup, type TestUser } from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { waitUntil } from './support/waits.ts';

const harness = useTestServer({ env: { PRESENCE_OFFLINE_GRACE: '500ms' } });
const server = () => harness.server;

const block = (viewer: TestUser, username: string, mutation: 'block' | 'unblock' = 'block') =>
  gql(
    server(),
    `mutation ($username: String!) { ${mutation}(username: $username) }`,
    { username },
    { token: viewer.token },
  );
const blockedUsers = async (viewer: TestUser) =>
  (
    await gql<{ blockedUsers: Array<{ username: string }> }>(
      server(),
      '{ blockedUsers { username } }',
      {},
      { token: viewer.token },
    )
  ).data!.blockedUsers.map((user) => user.username);
const code = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.[0]?.extensions?.code;

async function listen(user: TestUser, peer: TestUser) {
  const client = await harness.openClient(user);
  const events = new ChatEvents(client);
  harness.defer(events.dispose);
  await events.ready(server(), user, peer);
  return Object.assign(events, { client });
}

describe('blocking', () => {
  it('block, unblock and blockedUsers; yourself is BAD_USER_INPUT, an unknown name NOT_FOUND', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    expect((await block(alice, bob.username)).data).toEqual({ block: true });
    expect((await block(alice, bob.username)).data).toEqual({ block: true });
    expect(await blockedUsers(alice)).toEqual([bob.username]);
    expect(await blockedUsers(bob)).toEqual([]);

    const self = await block(alice, alice.username);
    expect(code(self)).toBe('BAD_USER_INPUT');
    expect(self.errors![0]!.extensions!.field).toBe('username');
    expect(code(await block(alice, 'nobody_by_this_name'))).toBe('NOT_FOUND');
    expect(code(await block(alice, alice.username, 'unblock'))).toBe('BAD_USER_INPUT');
    expect(code(await block({ ...alice, token: '' }, bob.username))).toBe('UNAUTHENTICATED');
    expect(await blockedUsers(alice)).toEqual([bob.username]);

    expect((await block(alice, bob.username, 'unblock')).data).toEqual({ unblock: true });
    expect(await blockedUsers(alice)).toEqual([]);
  });

  it('refuses direct messages both ways on every path, keeps the history from before, and unblocking restores', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const conversationId = await directConversation(server(), alice, bob);
    await block(alice, bob.username);

    for (const [from, to] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const refused = await sendMessage(server(), from, to.username, 'after the block');
      expect(code(refused)).toBe('FORBIDDEN');
      expect(refused.errors![0]!.message).toMatch(/blocked/);
      const byId = await gql(
        server(),
        'mutation ($id: ID!) { sendMessage(conversationId: $id, body: "by id") { id } }',
        { id: conversationId },
        { token: from.token },
      );
      expect(code(byId)).toBe('FORBIDDEN');

      const chat = await ChatSocket.open(server(), from.username, to.username, from.token);
      harness.defer(() => chat.close());
      chat.send({ message: 'over the old socket' });
      const [frame] = await chat.errors(1);
      expect(frame!.error).toMatch(/blocked/);
      expect(chat.frames.filter((sent) => sent.message !== undefined)).toEqual([]);
    }

    const sql = await connectSql(harness.database.url);
    harness.defer(() => sql.end());
    const stored = await sql.query<{ body: string }>(
      'SELECT body FROM messages WHERE conversation_id = $1 ORDER BY seq',
      [conversationId],
    );
    expect(stored.rows.map((row) => row.body)).toEqual(['hello']);

    // The original's history JSON still shows what was said before, to both.
    for (const [viewer, other] of [
      [bob, alice],
      [alice, bob],
    ] as const) {
      const response = await fetch(`${server().url}/api/messages/${viewer.username}/${other.username}/`, {
        headers: { cookie: `sessionid=${viewer.token}` },
      });
      expect(response.status).toBe(200);
      const history = (await response.json()) as { messages: Array<{ message: string; sender: string }> };
      expect(history.messages).toMatchObject([{ message: 'hello', sender: alice.username }]);
    }

    await block(alice, bob.username, 'unblock');
    expect((await sendMessage(server(), bob, alice.username, 'back again')).data).toBeTruthy();
    const chat = await ChatSocket.open(server(), alice.username, bob.username, alice.token);
    harness.defer(() => chat.close());
    chat.send({ message: 'over the socket again' });
    await chat.waitFor(
      () => chat.frames.some((frame) => frame.message === 'over the socket again'),
      'the echo after unblocking',
    );
  });

  it('keeps the blocked person from adding the blocker to a group; the blocker may still add them', async () => {
    const [alice, bob, carol] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    await block(alice, bob.username);

    const create = await gql(
      server(),
      'mutation ($members: [String!]!) { createGroup(title: "with her", members: $members) { id } }',
      { members: [carol.username, alice.username] },
      { token: bob.token },
    );
    expect(code(create)).toBe('FORBIDDEN');
    expect(create.errors![0]!.message).toContain(alice.username);
    const groupId = await createGroup(server(), bob, [carol]);
    const add = (by: TestUser, usernames: string[]) =>
      gql<{ addMembers: { members: Array<{ user: { username: string } }> } }>(
        server(),
        'mutation ($id: ID!, $usernames: [String!]!) { addMembers(conversationId: $id, usernames: $usernames) { members { user { username } } } }',
        { id: groupId, usernames },
        { token: by.token },
      );
    expect(code(await add(bob, [alice.username]))).toBe('FORBIDDEN');
    // Nor through someone not blocked in the same call.
    const dave = await signup(server());
    expect(code(await add(bob, [dave.username, alice.username]))).toBe('FORBIDDEN');
    const members = await add(carol, [dave.username]);
    // The refused calls added nobody: Alice is not in the group.
    expect(members.data!.addMembers.members.map((member) => member.user.username).sort()).toEqual(
      [bob.username, carol.username, dave.username].sort(),
    );

    // The blocker chooses: she may put him in a group.
    expect(await createGroup(server(), alice, [bob, carol])).toBeTruthy();
    await block(alice, bob.username, 'unblock');
    expect(code(await add(bob, [alice.username]))).toBeUndefined();
  });

  it('hides typing, read positions and presence between the two, both ways, in a shared group; unblocking restores them', async () => {
    const [alice, bob, carol] = await Promise.all([signup(server()), signup(server()), signup(server())]);
    const groupId = await createGroup(server(), alice, [bob, carol]);
    await Promise.all([directConversation(server(), carol, alice), directConversation(server(), carol, bob)]);
    await block(alice, bob.username);
    const dave = await signup(server());
    await Promise.all([directConversation(server(), dave, alice), directConversation(server(), dave, bob)]);
    // Bob first: Alice comes online while he listens.
    const bobSees = await listen(bob, carol);
    const aliceSees = await listen(alice, carol);
    const carolSees = await listen(carol, alice);

    // Typing: the third member hears both; the two hear nothing of each other.
    await setTyping(server(), bob, groupId);
    await setTyping(server(), alice, groupId);
    await carolSees.next('TypingEvent', bob.username);
    await carolSees.next('TypingEvent', alice.username);
    await setTyping(server(), carol, groupId);
    await Promise.all([
      aliceSees.next('TypingEvent', carol.username),
      bobSees.next('TypingEvent', carol.username),
    ]);
    expect(aliceSees.of('TypingEvent', bob.username)).toEqual([]);
    expect(bobSees.of('TypingEvent', alice.username)).toEqual([]);

    // Read positions: neither sees the other's, live or in the member list; the third sees both.
    const message = await gql<{ sendMessage: { id: string } }>(
      server(),
      'mutation ($id: ID!) { sendMessage(conversationId: $id, body: "read me") { id } }',
      { id: groupId },
      { token: carol.token },
    );
    const messageId = message.data!.sendMessage.id;
    const markRead = (user: TestUser, id: string) =>
      gql(
        server(),
        'mutation ($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) { id } }',
        { c: groupId, m: id },
        { token: user.token },
      );
    await markRead(bob, messageId);
    await markRead(alice, messageId);
    await carolSees.next('ReadEvent', bob.username);
    await carolSees.next('ReadEvent', alice.username);
    const later = await gql<{ sendMessage: { id: string } }>(
      server(),
      'mutation ($id: ID!) { sendMessage(conversationId: $id, body: "later") { id } }',
      { id: groupId },
      { token: alice.token },
    );
    await markRead(carol, later.data!.sendMessage.id);
    await Promise.all([
      aliceSees.next('ReadEvent', carol.username),
      bobSees.next('ReadEvent', carol.username),
    ]);
    expect(aliceSees.of('ReadEvent', bob.username)).toEqual([]);
    expect(bobSees.of('ReadEvent', alice.username)).toEqual([]);
    const readPositions = async (viewer: TestUser) => {
      const result = await gql<{
        conversationById: {
          members: Array<{ user: { username: string }; lastReadMessageId: string | null }>;
        };
      }>(
        server(),
        'query ($id: ID!) { conversationById(id: $id) { members { user { username } lastReadMessageId } } }',
        { id: groupId },
        { token: viewer.token },
      );
      return Object.fromEntries(
        result.data!.conversationById.members.map((member) => [
          member.user.username,
          member.lastReadMessageId,
        ]),
      );
    };
    expect((await readPositions(alice))[bob.username]).toBeNull();
    expect((await readPositions(bob))[alice.username]).toBeNull();
    // Alice's own message moved hers on.
    expect(await readPositions(carol)).toMatchObject({
      [alice.username]: later.data!.sendMessage.id,
      [bob.username]: messageId,
    });

    // Presence: both are online (going online is asynchronous: waited for), the third sees it;
    // the two see null of each other.
    await waitUntil(async () => (await presenceOf(server(), carol, bob))?.online === true, 'Bob online');
    await waitUntil(async () => (await presenceOf(server(), carol, alice))?.online === true, 'Alice online');
    expect(await presenceOf(server(), alice, bob)).toBeNull();
    expect(await presenceOf(server(), bob, alice)).toBeNull();
    // Nor hear of each other coming and going, while someone else's changes reach both.
    const daveClient = await harness.openClient(dave);
    await aliceSees.next('PresenceEvent', dave.username, (event) => event.presence!.online);
    await bobSees.next('PresenceEvent', dave.username, (event) => event.presence!.online);
    await bobSees.client.dispose();
    await daveClient.dispose();
    await aliceSees.next('PresenceEvent', dave.username, (event) => !event.presence!.online);
    // A change goes to all who may hear of it in one publish: once Carol has heard Bob leave,
    // Alice would have too.
    await carolSees.next('PresenceEvent', bob.username, (event) => !event.presence!.online);
    expect(aliceSees.of('PresenceEvent', bob.username)).toEqual([]);
    expect(bobSees.of('PresenceEvent', alice.username)).toEqual([]);

    // Unblocked: typing, read positions and presence flow again.
    await block(alice, bob.username, 'unblock');
    await setTyping(server(), bob, groupId, false);
    expect((await aliceSees.next('TypingEvent', bob.username)).typing).toBe(false);
    expect((await readPositions(alice))[bob.username]).toBe(messageId);
    expect(await presenceOf(server(), alice, bob)).toMatchObject({ online: false });
    await harness.openClient(bob);
    await aliceSees.next('PresenceEvent', bob.username, (event) => event.presence!.online);
    expect(await presenceOf(server(), bob, alice)).toEqual({ online: true, lastSeenAt: null });
  });
});
