import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { gql, signup, Subscription, type TestUser, signupMany } from './support/clients.ts';
import {
  addMembers,
  conversationById,
  createGroup,
  createGroupRaw,
  errorCode,
  listConversations,
  markRead,
  messagesOf,
  receivedBody,
  removeMember,
  renameConversation,
  send,
  sendInto,
  storedState,
  openEvents,
  timeline,
} from './support/conversations.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const MAX_GROUP_MEMBERS = 8;
const harness = useTestServer({ env: { MAX_GROUP_MEMBERS: String(MAX_GROUP_MEMBERS) } });
let sql: pg.Client;
let pinger: TestUser;

beforeAll(async () => {
  sql = await connectSql(harness.database.url);
  pinger = await signup(harness.server);
  harness.defer(() => sql.end());
});

async function trio(): Promise<{ alice: TestUser; bob: TestUser; carol: TestUser; id: string }> {
  const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
  const group = await createGroup(harness.server, alice, 'Trio', [bob, carol]);
  return { alice, bob, carol, id: group.id };
}

/** Runs `refused`, expects `code`, and checks the conversation's stored state did not move. */
async function refusedWithoutChange(
  id: string,
  code: string,
  refused: () => Promise<{ errors?: Array<{ extensions?: { code?: string } }> }>,
) {
  const before = await storedState(sql, id);
  expect(errorCode(await refused())).toBe(code);
  expect(await storedState(sql, id)).toEqual(before);
}

describe('creating groups', () => {
  it('creates a group of 3 with the creator as owner, and delivers a message to every member once', async () => {
    const [alice, bob, carol] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(harness.server, alice, '  Weekend plans  ', [bob, carol, bob, alice]);
    expect(group).toMatchObject({ kind: 'GROUP', title: 'Weekend plans' });
    expect(group.members.map((member) => [member.user.username, member.role]).sort()).toEqual(
      [
        [alice.username, 'OWNER'],
        [bob.username, 'MEMBER'],
        [carol.username, 'MEMBER'],
      ].sort(),
    );
    const streams = await Promise.all([alice, bob, carol].map((user) => openEvents(harness, user, pinger)));
    const hello = await send(harness.server, bob, group.id, 'hello group');
    // A direct message after it, on the same streams, shows that nothing more of the group is coming.
    for (const [index, user] of [alice, bob, carol].entries()) {
      await receivedBody(streams[index]!, 'hello group');
      await send(harness.server, pinger, user, `end ${index}`);
      await receivedBody(streams[index]!, `end ${index}`);
      expect(messagesOf(streams[index]!.events).filter((message) => message.id === hello.id)).toHaveLength(1);
    }
  });

  it(`creates a group of MAX_GROUP_MEMBERS (${MAX_GROUP_MEMBERS}) and refuses one more, at creation and by adding`, async () => {
    const everyone = await signupMany(harness.server, MAX_GROUP_MEMBERS + 1);
    const [owner, ...others] = everyone as [TestUser, ...TestUser[]];
    const tooMany = await createGroupRaw(
      harness.server,
      owner,
      'Too many',
      others.map((user) => user.username),
    );
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.errors![0]!.extensions!.field).toBe('members');

    const full = others.slice(0, MAX_GROUP_MEMBERS - 1);
    const group = await createGroup(harness.server, owner, 'Full house', full);
    expect(group.members).toHaveLength(MAX_GROUP_MEMBERS);
    const streams = await Promise.all([owner, ...full].map((user) => openEvents(harness, user, pinger)));
    await send(harness.server, full[3]!, group.id, 'to all eight');
    await Promise.all(streams.map((stream) => receivedBody(stream, 'to all eight')));

    const outsider = others.at(-1)!;
    await refusedWithoutChange(group.id, 'BAD_USER_INPUT', () =>
      addMembers(harness.server, full[0]!, group.id, [outsider]),
    );
    expect(await conversationById(harness.server, outsider, group.id)).toBeNull();
  });

  it('takes a title of 1 to 100 characters and refuses the rest, creating nothing', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const count = async () =>
      (await sql.query("SELECT count(*)::int AS n FROM conversations WHERE kind = 'GROUP'")).rows[0]
        .n as number;
    const before = await count();
    for (const title of ['', '   ', 'x'.repeat(101), 'a\u0000b']) {
      const result = await createGroupRaw(harness.server, alice, title, [bob.username]);
      expect(errorCode(result), JSON.stringify(title)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.field).toBe('title');
    }
    // Nobody else: a group needs someone besides its owner.
    expect(errorCode(await createGroupRaw(harness.server, alice, 'Alone', [alice.username]))).toBe(
      'BAD_USER_INPUT',
    );
    expect(await count()).toBe(before);

    const one = await createGroup(harness.server, alice, 'x', [bob]);
    const hundred = await createGroup(harness.server, alice, '🎉'.repeat(100), [bob]);
    expect([one.title, hundred.title]).toEqual(['x', '🎉'.repeat(100)]);
    await refusedWithoutChange(one.id, 'BAD_USER_INPUT', () =>
      renameConversation(harness.server, alice, one.id, 'y'.repeat(101)),
    );
  });
});

describe('permissions', () => {
  it('lets any member add people', async () => {
    const { alice, bob, id } = await trio();
    const [dave] = (await signupMany(harness.server, 1)) as [TestUser];
    const result = await addMembers(harness.server, bob, id, [dave]);
    expect(result.errors).toBeUndefined();
    expect(result.data!.addMembers.members.map((member) => member.user.username)).toContain(dave.username);
    expect((await conversationById(harness.server, dave, id))?.members).toHaveLength(4);
    expect((await timeline(harness.server, alice, id)).at(-1)).toMatchObject({
      kind: 'SYSTEM',
      body: `${bob.username} added ${dave.username}`,
    });
  });

  it('refuses a member who removes someone else or renames (FORBIDDEN), changing nothing', async () => {
    const { alice, bob, carol, id } = await trio();
    await refusedWithoutChange(id, 'FORBIDDEN', () => removeMember(harness.server, bob, id, carol));
    await refusedWithoutChange(id, 'FORBIDDEN', () => removeMember(harness.server, bob, id, alice));
    await refusedWithoutChange(id, 'FORBIDDEN', () =>
      renameConversation(harness.server, bob, id, 'Mine now'),
    );
    expect((await conversationById(harness.server, alice, id))?.title).toBe('Trio');
  });

  it('lets the owner remove anyone and rename; lets anyone leave', async () => {
    const { alice, bob, carol, id } = await trio();
    expect(errorCode(await renameConversation(harness.server, alice, id, 'Duo soon'))).toBe('none');
    expect(errorCode(await removeMember(harness.server, alice, id, bob))).toBe('none');
    expect(errorCode(await removeMember(harness.server, carol, id, carol))).toBe('none');
    const members = (await conversationById(harness.server, alice, id))!.members;
    expect(members.map((member) => member.user.username)).toEqual([alice.username]);
    expect(await conversationById(harness.server, bob, id)).toBeNull();
    expect(await conversationById(harness.server, carol, id)).toBeNull();
  });

  it('makes the longest-standing member owner when the owner leaves', async () => {
    const [alice, bob, carol, dave] = (await signupMany(harness.server, 4)) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const group = await createGroup(harness.server, alice, 'Succession', [bob]);
    // Joined later, and added first in the list: order of joining decides, not order of naming.
    await sql.query(
      `UPDATE conversation_members SET joined_at = joined_at - interval '1 hour'
                     WHERE conversation_id = $1`,
      [Number(group.id)],
    );
    await addMembers(harness.server, alice, group.id, [dave, carol]);
    expect(errorCode(await removeMember(harness.server, alice, group.id, alice))).toBe('none');
    const roles = (await conversationById(harness.server, carol, group.id))!.members.map((member) => [
      member.user.username,
      member.role,
    ]);
    expect(roles).toEqual(
      expect.arrayContaining([
        [bob.username, 'OWNER'],
        [carol.username, 'MEMBER'],
        [dave.username, 'MEMBER'],
      ]),
    );
    expect(roles).toHaveLength(3);
    expect((await timeline(harness.server, carol, group.id)).at(-1)).toMatchObject({
      kind: 'SYSTEM',
      body: `${alice.username} left; ${bob.username} is now the owner`,
    });
    // The new owner has the owner's powers.
    expect(errorCode(await renameConversation(harness.server, bob, group.id, 'Bob’s now'))).toBe('none');
    expect(errorCode(await removeMember(harness.server, bob, group.id, dave))).toBe('none');
  });

  it('writes membership changes and renames as SYSTEM lines, in seq order with the messages', async () => {
    const { alice, bob, carol, id } = await trio();
    const [dave] = (await signupMany(harness.server, 1)) as [TestUser];
    await send(harness.server, bob, id, 'first');
    await addMembers(harness.server, alice, id, [dave]);
    await send(harness.server, dave, id, 'second');
    await renameConversation(harness.server, alice, id, 'Quartet');
    await removeMember(harness.server, alice, id, carol);
    await removeMember(harness.server, dave, id, dave);
    await send(harness.server, alice, id, 'third');
    const lines = (await timeline(harness.server, bob, id)).map((message) => [message.kind, message.body]);
    expect(lines).toEqual([
      ['SYSTEM', `${alice.username} created the group "Trio" with ${bob.username} and ${carol.username}`],
      ['TEXT', 'first'],
      ['SYSTEM', `${alice.username} added ${dave.username}`],
      ['TEXT', 'second'],
      ['SYSTEM', `${alice.username} renamed the group to "Quartet"`],
      ['SYSTEM', `${alice.username} removed ${carol.username}`],
      ['SYSTEM', `${dave.username} left`],
      ['TEXT', 'third'],
    ]);
    const { rows } = await sql.query('SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY id', [
      Number(id),
    ]);
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('non-members', () => {
  it('get NOT_FOUND for sends into a direct conversation of two others, every time', async () => {
    const [alice, bob, eve] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    const { id } = (await send(harness.server, alice, bob, 'just us')).conversation;
    // The second try meets what the server remembers of the conversation rather than a fresh read.
    for (let attempt = 0; attempt < 2; attempt++)
      await refusedWithoutChange(id, 'NOT_FOUND', () => sendInto(harness.server, eve, id, 'me too'));
  });

  it('get nothing: null by id, NOT_FOUND for sends, marks, adds, removes, renames and subscriptions', async () => {
    const { alice, id } = await trio();
    const [eve] = (await signupMany(harness.server, 1)) as [TestUser];
    const hello = await send(harness.server, alice, id, 'members only');
    expect(await conversationById(harness.server, eve, id)).toBeNull();
    await refusedWithoutChange(id, 'NOT_FOUND', () => sendInto(harness.server, eve, id, 'let me in'));
    await refusedWithoutChange(id, 'NOT_FOUND', () => markRead(harness.server, eve, id, hello.id));
    await refusedWithoutChange(id, 'NOT_FOUND', () => addMembers(harness.server, eve, id, [eve]));
    await refusedWithoutChange(id, 'NOT_FOUND', () => removeMember(harness.server, eve, id, alice));
    await refusedWithoutChange(id, 'NOT_FOUND', () => renameConversation(harness.server, eve, id, 'Eve’s'));
    // The same answers as for a conversation that does not exist: existence is not revealed.
    for (const missing of ['999999', 'nope']) {
      expect(await conversationById(harness.server, eve, missing)).toBeNull();
      expect(errorCode(await sendInto(harness.server, eve, missing, 'x'))).toBe('NOT_FOUND');
    }

    const subscription = new Subscription<unknown>(
      await harness.openClient(eve),
      'subscription ($id: ID!) { messageAdded(conversationId: $id) { id } }',
      { id },
      'messageAdded',
    );
    await subscription.waitFor(() => subscription.error !== undefined, 'the subscription to be refused');
    expect((subscription.error as Array<{ extensions?: { code?: string } }>)[0]!.extensions!.code).toBe(
      'NOT_FOUND',
    );
    expect(subscription.events).toEqual([]);
  });

  it('a member who left cannot read the members or the messages any more (NOT_FOUND)', async () => {
    const { alice, carol, id } = await trio();
    await send(harness.server, alice, id, 'hello');
    await markRead(harness.server, alice, id, (await timeline(harness.server, alice, id)).at(-1)!.id);
    const left = await gql<{ removeMember: unknown }>(
      harness.server,
      `mutation ($id: ID!, $username: String!) {
        removeMember(conversationId: $id, username: $username) { id members { user { username } lastReadMessageId } } }`,
      { id, username: carol.username },
      { token: carol.token },
    );
    expect(errorCode(left)).toBe('NOT_FOUND');
    expect(left.data).toBeNull();
    await addMembers(harness.server, alice, id, [carol]);
    const result = await gql<{ removeMember: unknown }>(
      harness.server,
      `mutation ($id: ID!, $username: String!) {
        removeMember(conversationId: $id, username: $username) { messages { edges { node { body } } } } }`,
      { id, username: carol.username },
      { token: carol.token },
    );
    expect(errorCode(result)).toBe('NOT_FOUND');
    expect(await conversationById(harness.server, carol, id)).toBeNull();
  });
});

describe('removal and return', () => {
  it('stores nothing from a member after the line that removed them, however their sends race the removal', async () => {
    const { alice, carol, id } = await trio();
    const sends = Array.from({ length: 60 }, (_, index) =>
      sendInto(harness.server, carol, id, `race ${index}`),
    );
    await sends[0];
    const removal = await removeMember(harness.server, alice, id, carol);
    expect(errorCode(removal)).toBe('none');
    const codes = new Set((await Promise.all(sends)).map(errorCode));
    expect([...codes].every((code) => code === 'none' || code === 'NOT_FOUND')).toBe(true);
    const { rows } = await sql.query(
      `SELECT x.seq, x.body FROM messages x, messages line
       WHERE x.conversation_id = $1 AND line.conversation_id = $1 AND line.body = $2 AND x.seq > line.seq`,
      [Number(id), `${alice.username} removed ${carol.username}`],
    );
    expect(rows).toEqual([]);
  });

  it('stops a removed member’s open events stream at once, drops the group from their list, and shows the whole history on return', async () => {
    const { alice, bob, carol, id } = await trio();
    await send(harness.server, bob, id, 'before');
    const carolSees = await openEvents(harness, carol, pinger);
    const bobSees = await openEvents(harness, bob, pinger);
    await send(harness.server, alice, id, 'still in');
    await receivedBody(carolSees, 'still in');
    expect((await listConversations(harness.server, carol)).edges.map((edge) => edge.node.id)).toContain(id);

    expect(errorCode(await removeMember(harness.server, alice, id, carol))).toBe('none');
    await carolSees.waitFor(
      () =>
        carolSees.events.some(
          (event) => event.__typename === 'MembershipEvent' && event.change === 'REMOVED',
        ),
      'the removal event',
    );
    await send(harness.server, bob, id, 'after removal');
    await receivedBody(bobSees, 'after removal');
    // Something that must arrive after it, on the same stream: proof the group's message is not coming.
    await send(harness.server, alice, carol, 'proof');
    await receivedBody(carolSees, 'proof');
    expect(messagesOf(carolSees.events).map((message) => message.body)).not.toContain('after removal');
    expect((await listConversations(harness.server, carol)).edges.map((edge) => edge.node.id)).not.toContain(
      id,
    );
    expect(errorCode(await sendInto(harness.server, carol, id, 'still here?'))).toBe('NOT_FOUND');

    await addMembers(harness.server, bob, id, [carol]);
    const history = (await timeline(harness.server, carol, id)).map((message) => message.body);
    expect(history).toEqual([
      expect.stringContaining('created the group'),
      'before',
      'still in',
      `${alice.username} removed ${carol.username}`,
      'after removal',
      `${bob.username} added ${carol.username}`,
    ]);
    expect((await listConversations(harness.server, carol)).edges.map((edge) => edge.node.id)).toContain(id);
    // Live again on the stream that was open all along.
    await send(harness.server, bob, id, 'welcome back');
    await receivedBody(carolSees, 'welcome back');
  });
});
