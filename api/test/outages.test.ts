import { describe, expect, it } from 'vitest';
import { connected, sendMessage, signup, subscribeToConversation, wsClient } from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { connectSql } from './support/database.ts';
import { steadySends, useServerBehindFaults } from './support/outage-server.ts';
import { waitUntil } from './support/waits.ts';

// A statement limit of 2 s makes the server give up on a stalled PostgreSQL after 1 s
// (`clientWaitMs`) rather than 4: the stall test waits for that, and nothing else here is slow.
const faults = useServerBehindFaults({ DATABASE_STATEMENT_TIMEOUT: '2s' });
const server = () => faults.server;

describe('Redis outages', () => {
  it('delivers to a compat socket a message sent the moment it opened, while its bus subscription hangs', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    faults.redisProxy.stall();
    let chat: ChatSocket;
    try {
      chat = await ChatSocket.open(server(), bob.username, alice.username, bob.token);
      faults.defer(() => chat.socket.terminate());
      // Committed before the socket's stream could subscribe, and its publish is lost.
      await sendMessage(server(), alice, bob.username, 'the moment it opened');
    } finally {
      faults.redisProxy.restore();
    }
    const [frame] = await chat.messages(1);
    expect(frame?.message).toBe('the moment it opened');
  });

  it('delivers what was published into a Redis cut once Redis is back, with nothing sent after it (resync)', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const client = wsClient(server(), bob.token);
    faults.defer(() => client.dispose());
    await connected(client);
    // Resuming after a first message: the stream cannot miss what follows however late it starts.
    const hello = (await sendMessage(server(), alice, bob.username, 'hello')).data!.sendMessage.id;
    const bobSees = subscribeToConversation(client, alice.username, hello);
    const first = (await sendMessage(server(), alice, bob.username, 'before the cut')).data!.sendMessage.id;
    await bobSees.until(1);

    faults.redisProxy.cut();
    await waitUntil(async () => (await faults.readiness()).status === 503, 'the cut to be noticed');
    const sentInCut: string[] = [];
    for (let index = 0; index < 5; index++) {
      sentInCut.push(
        (await sendMessage(server(), alice, bob.username, `in the cut ${index}`)).data!.sendMessage.id,
      );
    }
    faults.redisProxy.restore();

    // No message follows to reveal the gap: only the resync after the reconnect can.
    const events = await bobSees.until(6, 20_000);
    expect(events.map((event) => event.id)).toEqual([first, ...sentInCut]);
  });

  it('keeps committing through a Redis cut; subscribers catch up from PostgreSQL: 0 lost, 0 duplicated', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const known = (await sendMessage(server(), alice, bob.username, 'known')).data!.sendMessage.id;
    const client = wsClient(server(), bob.token);
    faults.defer(() => client.dispose());
    await connected(client);
    const bobSees = subscribeToConversation(client, alice.username, known);

    // The phases move on as sends are answered, not by the clock: some before the cut, some
    // while the server knows Redis is gone, some after it knows Redis is back.
    const sends = steadySends(server(), alice, bob);
    const answered = async (more: number, what: string) => {
      const target = sends.answered() + more;
      await waitUntil(() => sends.answered() >= target, what);
    };
    try {
      await answered(10, 'sends before the cut');
      faults.redisProxy.cut();
      await waitUntil(async () => (await faults.readiness()).status === 503, 'the cut to be noticed');
      await answered(20, 'sends while Redis is away');
      faults.redisProxy.restore();
      await waitUntil(async () => (await faults.readiness()).status === 200, 'Redis to be back');
      await answered(10, 'sends after Redis is back');
    } finally {
      faults.redisProxy.restore();
      await sends.stop();
    }
    expect(sends.failed).toEqual([]);

    const events = await bobSees.until(sends.acknowledged.length, 20_000);
    expect(events.map((event) => event.id)).toEqual(sends.acknowledged);
  });
});

describe('PostgreSQL outages', () => {
  it('answers compat sends during a cut with "temporarily unavailable", and keeps the socket', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const chat = await ChatSocket.open(server(), alice.username, bob.username, alice.token);
    faults.defer(() => chat.socket.terminate());
    faults.pgProxy.cut();
    try {
      chat.send({ message: 'during the cut' });
      const [frame] = await chat.errors(1);
      expect(frame?.error).toBe('The service is temporarily unavailable. Try again shortly.');
    } finally {
      faults.pgProxy.restore();
    }
    expect(chat.closeCode).toBeUndefined();
    await waitUntil(
      async () => {
        chat.send({ message: 'after the cut' });
        await chat.waitFor(() => chat.frames.length > 1, 'an answer', 5_000);
        return chat.frames.some((frame) => frame.message === 'after the cut');
      },
      'a send to go through again',
      20_000,
    );
  });

  it('fails sends with UNAVAILABLE while PostgreSQL is cut, half-writes nothing, and recovers by itself', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const acknowledged: string[] = [];
    const attempted: string[] = [];
    const send = async (label: string) => {
      attempted.push(label);
      const result = await sendMessage(server(), alice, bob.username, label, label);
      if (result.data?.sendMessage) acknowledged.push(label);
      return result;
    };
    await send('before-cut');

    faults.pgProxy.cut();
    try {
      // Several in a row: the pool's broken connections, then new ones refused.
      for (let failure = 0; failure < 5; failure++) {
        const result = await send(`during-cut-${failure}`);
        expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
        expect(result.errors?.[0]?.message).not.toMatch(/prisma|select|insert|stack|at /i);
      }
    } finally {
      faults.pgProxy.restore();
    }

    await waitUntil(
      async () => (await send(`after-${attempted.length}`)).data != null,
      'sends to work again',
      15_000,
    );
    const sql = await connectSql(faults.database.url);
    try {
      const { rows } = await sql.query<{ client_id: string; copies: number }>(
        'SELECT client_id, count(*)::int AS copies FROM messages WHERE sender_id = $1 GROUP BY client_id',
        [Number(alice.id)],
      );
      const stored = new Map(rows.map((row) => [row.client_id, row.copies]));
      for (const label of acknowledged) expect(stored.get(label), label).toBe(1);
      for (const copies of stored.values()) expect(copies).toBe(1);
      const conversation = await sql.query(
        `SELECT c.last_seq, max(m.seq) AS max_seq, count(m.*)::int AS n
         FROM conversations c JOIN messages m ON m.conversation_id = c.id
         WHERE m.sender_id = $1 GROUP BY c.id`,
        [Number(alice.id)],
      );
      expect(conversation.rows[0].last_seq).toBe(conversation.rows[0].max_seq);
      expect(conversation.rows[0].n).toBe(conversation.rows[0].last_seq);
    } finally {
      await sql.end();
    }
  });

  it('fails sends with UNAVAILABLE while the network to PostgreSQL stalls, then recovers', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    faults.pgProxy.stall();
    try {
      // The answer comes while the network is still stalled: the send gave up, it did not wait
      // for the network (how soon is the server's configuration, `clientWaitMs`, not a test's clock).
      const result = await sendMessage(server(), alice, bob.username, 'stalled');
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    } finally {
      faults.pgProxy.cut();
      faults.pgProxy.restore();
    }
    await waitUntil(
      async () => (await sendMessage(server(), alice, bob.username, 'after stall')).data != null,
      'sends to work again',
      15_000,
    );
  });
});
