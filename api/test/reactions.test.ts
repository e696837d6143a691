import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { seedPeople } from '../../bench/lib/database.ts';
import { gql, signup, type TestUser } from './support/clients.ts';
import {
  createGroup,
  errorCode,
  messagesOf as newMessagesOf,
  openEvents,
  send,
  subscribeToEvents,
  timeline,
  type ChatEvent,
} from './support/conversations.ts';
import { useTestServer } from './support/harness.ts';
import {
  addReaction,
  messageState,
  ok,
  reactionsToNewest,
  removeReaction,
  sendInto,
  storedMessage,
} from './support/message-changes.ts';
import { connectSql } from './support/database.ts';

const harness = useTestServer({ env: { SENDS_PER_USER_BURST: '30', SENDS_PER_USER_PER_MINUTE: '60' } });
const server = () => harness.server;

async function sql() {
  const client = await connectSql(harness.database.url);
  harness.defer(() => client.end());
  return client;
}

async function groupWith(owner: TestUser, members: TestUser[]) {
  return (await createGroup(server(), owner, 'Reactions', members)).id;
}

const updatesOfMessage = (events: readonly ChatEvent[], id: string) =>
  events.flatMap((event) => (event.__typename === 'MessageUpdatedEvent' && event.message.id === id ? [event] : []));

describe('reactions', () => {
  it('take exactly one emoji as people type them, and refuse anything else changing nothing', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = await groupWith(alice, [bob]);
    const message = ok(await sendInto(server(), alice, group, 'react to me')).sendMessage;
    const accepted = ['👍', '👍🏽', '🇫🇷', '1️⃣', '👩‍💻', '❤️', '🏳️‍🌈', '🫠'];
    for (const emoji of accepted) ok(await addReaction(server(), bob, message.id, emoji));
    expect((await messageState(server(), alice, group, message.id)).reactions.map((r) => r.emoji)).toEqual(accepted);

    const stored = await storedMessage(await sql(), message.id);
    for (const emoji of ['', 'a', ':)', '👍👍', '👍 ', 'x👍', '<script>', '1', '#', '\u200d', '👍\u202e'])
      expect({ emoji, code: errorCode(await addReaction(server(), bob, message.id, emoji)) }).toEqual({
        emoji,
        code: 'BAD_USER_INPUT',
      });
    expect(await storedMessage(await sql(), message.id)).toEqual(stored);
  });

  it('count one per person and emoji: adding twice or removing what is not there changes nothing', async () => {
    const [alice, bob, carol] = [await signup(server()), await signup(server()), await signup(server())];
    const group = await groupWith(alice, [bob, carol]);
    const message = ok(await sendInto(server(), alice, group, 'count me')).sendMessage;
    ok(await addReaction(server(), bob, message.id, '🎉'));
    ok(await addReaction(server(), carol, message.id, '👍'));
    ok(await addReaction(server(), carol, message.id, '🎉'));
    const stored = await storedMessage(await sql(), message.id);
    const again = ok(await addReaction(server(), bob, message.id, '🎉')).addReaction;
    ok(await removeReaction(server(), alice, message.id, '🎉'));
    expect(await storedMessage(await sql(), message.id)).toEqual(stored);
    // In order of first use, with who reacted, and whether the viewer did.
    expect(again.reactions).toEqual([
      { emoji: '🎉', count: 2, reactedByMe: true },
      { emoji: '👍', count: 1, reactedByMe: false },
    ]);
    expect(await reactionsToNewest(server(), alice, group, message.id)).toEqual({
      '🎉': [bob.username, carol.username],
      '👍': [carol.username],
    });
    const removed = ok(await removeReaction(server(), carol, message.id, '🎉')).removeReaction;
    expect(removed.reactions).toEqual([
      { emoji: '🎉', count: 1, reactedByMe: false },
      { emoji: '👍', count: 1, reactedByMe: true },
    ]);
  });

  it('take at most 20 different emoji on a message', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = await groupWith(alice, [bob]);
    const message = ok(await sendInto(server(), alice, group, 'so many')).sendMessage;
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂'];
    expect(emoji).toHaveLength(20);
    for (const [index, one] of emoji.entries()) ok(await addReaction(server(), index % 2 ? alice : bob, message.id, one));
    const stored = await storedMessage(await sql(), message.id);
    expect(errorCode(await addReaction(server(), bob, message.id, '🤗'))).toBe('BAD_USER_INPUT');
    expect(await storedMessage(await sql(), message.id)).toEqual(stored);
    // One of the 20 more changes nothing of the limit.
    ok(await addReaction(server(), alice, message.id, '😀'));
  });

  it('are refused on a system line and in a direct conversation after a block', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = await groupWith(alice, [bob]);
    const systemLine = (await timeline(server(), alice, group)).find((line) => line.kind === 'SYSTEM')!;
    expect(errorCode(await addReaction(server(), bob, systemLine.id, '👍'))).toBe('BAD_USER_INPUT');

    const direct = await send(server(), alice, bob, 'direct');
    ok(await gql(server(), 'mutation ($u: String!) { block(username: $u) }', { u: bob.username }, { token: alice.token }));
    const stored = await storedMessage(await sql(), direct.id);
    expect(errorCode(await addReaction(server(), bob, direct.id, '👍'))).toBe('FORBIDDEN');
    expect(errorCode(await addReaction(server(), alice, direct.id, '👍'))).toBe('FORBIDDEN');
    expect(await storedMessage(await sql(), direct.id)).toEqual(stored);
  });

  it('count against the send limits: a storm from one person is RATE_LIMITED, the others are unaffected', async () => {
    // 100 changes at once: past the 60 a minute and the burst of 30 this file's server allows.
    const [alice, bob, carol] = [await signup(server()), await signup(server()), await signup(server())];
    const group = await groupWith(alice, [bob, carol]);
    const message = ok(await sendInto(server(), alice, group, 'storm')).sendMessage;
    const storm = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        index % 2 ? removeReaction(server(), bob, message.id, '👍') : addReaction(server(), bob, message.id, '👍'),
      ),
    );
    const codes = storm.map(errorCode);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThan(0);
    expect(codes.filter((code) => code !== 'RATE_LIMITED' && code !== 'none')).toEqual([]);
    const after = ok(await addReaction(server(), carol, message.id, '🌪️')).addReaction;
    expect(after.reactions.find((reaction) => reaction.emoji === '🌪️')).toMatchObject({ count: 1, reactedByMe: true });
  });

  it('reach every member live as the whole message, in order after it', async () => {
    const [alice, bob] = [await signup(server()), await signup(server())];
    const group = await groupWith(alice, [bob]);
    const events = await openEvents(harness, bob, alice);
    const message = ok(await sendInto(server(), alice, group, 'live')).sendMessage;
    ok(await addReaction(server(), alice, message.id, '🔥'));
    await events.waitFor(() => updatesOfMessage(events.events, message.id).length === 1, 'the reaction');
    const sentAt = events.events.findIndex((event) => newMessagesOf([event]).some((m) => m.id === message.id));
    const updatedAt = events.events.findIndex((event) => updatesOfMessage([event], message.id).length > 0);
    expect(sentAt).toBeGreaterThanOrEqual(0);
    expect(updatedAt).toBeGreaterThan(sentAt);
    expect(updatesOfMessage(events.events, message.id)[0]!.message).toMatchObject({
      body: 'live',
      reactions: [{ emoji: '🔥', count: 1 }],
    });
  });
});

describe('256 members reacting to one message at the same moment', () => {
  it('end with exact counts, and every member’s last event shows the final state', async () => {
    const pool = new pg.Pool({ connectionString: harness.database.url, max: 2 });
    harness.defer(() => pool.end());
    const accounts = await seedPeople(pool, `r${randomBytes(3).toString('hex')}_`, 255);
    const ids = await pool.query<{ id: number; username: string }>(
      'SELECT id, username FROM users WHERE username = ANY($1)',
      [accounts.map((account) => account.username)],
    );
    const idOf = new Map(ids.rows.map((row) => [row.username, String(row.id)]));
    const members: TestUser[] = accounts.map((account) => ({ ...account, id: idOf.get(account.username)! }));
    const owner = await signup(server());
    const group = await groupWith(owner, members);
    const everyone = [owner, ...members];
    expect(everyone).toHaveLength(256);

    const message = ok(await sendInto(server(), owner, group, 'react, all of you')).sendMessage;
    // Opened 32 at a time: 256 handshakes at once can outlast a connect timeout on a busy machine,
    // and the race under test is the reactions', not the connections'.
    const streams: Array<ReturnType<typeof subscribeToEvents>> = [];
    for (let start = 0; start < everyone.length; start += 32) {
      streams.push(
        ...(await Promise.all(
          everyone
            .slice(start, start + 32)
            .map(async (member) => subscribeToEvents(await harness.openClient(member), message.cursor)),
        )),
      );
    }
    // Every stream is live once it has the message sent after it opened.
    const ready = ok(await sendInto(server(), owner, group, 'ready')).sendMessage;
    await Promise.all(
      streams.map((stream) => stream.waitFor(() => newMessagesOf(stream.events).some((m) => m.id === ready.id), 'ready', 60_000)),
    );

    const answers = await Promise.all(
      everyone.map((member, index) => addReaction(server(), member, message.id, index % 4 ? '👍' : '❤️')),
    );
    for (const answer of answers) ok(answer);
    const final = [
      { emoji: '❤️', count: 64 },
      { emoji: '👍', count: 192 },
    ];
    const order = (await messageState(server(), owner, group, message.id)).reactions.map(({ emoji, count }) => ({
      emoji,
      count,
    }));
    expect([...order].sort((a, b) => a.emoji.localeCompare(b.emoji))).toEqual(
      [...final].sort((a, b) => a.emoji.localeCompare(b.emoji)),
    );
    const lastState = (stream: (typeof streams)[number]) => {
      const last = updatesOfMessage(stream.events, message.id).at(-1)?.message.reactions ?? [];
      return [...last].sort((a, b) => a.emoji.localeCompare(b.emoji));
    };
    await Promise.all(
      streams.map((stream) =>
        stream.waitFor(
          () => JSON.stringify(lastState(stream)) === JSON.stringify([...order].sort((a, b) => a.emoji.localeCompare(b.emoji))),
          'the final state',
          60_000,
        ),
      ),
    );
    // Nothing came after the final state to overturn it.
    for (const stream of streams) expect(lastState(stream)).toEqual([...order].sort((a, b) => a.emoji.localeCompare(b.emoji)));
    const reactions = await pool.query('SELECT count(*)::int AS n FROM reactions WHERE message_id = $1', [message.id]);
    expect(reactions.rows[0].n).toBe(256);
  }, 120_000);
});
