import type { Client } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { connected, signup, wsClient } from '../support/clients.ts';
import { openEvents, receivedBody, send, subscribeToEvents } from '../support/conversations.ts';
import { connectSql } from '../support/database.ts';
import { useTestServer } from '../support/harness.ts';
import { waitUntil } from '../support/waits.ts';

/**
 * The replay attack of issue 18: someone with a big history opens every stream they may,
 * each resuming from the oldest cursor the server accepts, and reads all of it back. A
 * bystander's send-to-delivery latency during the attack is measured against their own
 * baseline in the same run: the attacker's backlog is paced (EVENTS_BACKFILL_ROWS_PER_USER_PER_MINUTE,
 * a read's worth a second) and their streams capped (MAX_EVENT_STREAMS_PER_USER), so the
 * bystander barely feels it.
 */
const harness = useTestServer({ env: { SENDS_PER_USER_BURST: '100000' } });
const server = () => harness.server;
const HISTORY = 40_000;
const SOCKETS = 3;
const STREAMS_PER_SOCKET = 10;
const SAMPLES = 30;

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const median = (values: number[]) => quantile(values, 0.5);

describe('a replay of a big history through many resumed streams', () => {
  it('leaves a bystander’s latency within a few times its baseline, and is paced and capped', async () => {
    const [alice, bob, eve, mallory] = [
      await signup(server()),
      await signup(server()),
      await signup(server()),
      await signup(server()),
    ];
    const attackerMessage = await send(server(), eve, mallory, 'the first');
    const sql = await connectSql(harness.database.url);
    harness.defer(() => sql.end());
    const conversation = Number(attackerMessage.conversation.id);
    // A big history written over the last 20 hours, inside the resume window.
    await sql.query(
      `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, kind, sender_id, body, created_at)
       SELECT $1, 1 + i, 1 + i, now() - (($3 - i) * interval '1.8 seconds'), 'TEXT', $2, repeat('r', 200),
              now() - (($3 - i) * interval '1.8 seconds')
       FROM generate_series(1, $3) AS i`,
      [conversation, Number(eve.id), HISTORY],
    );
    await sql.query('UPDATE conversations SET last_seq = $2, last_stream_seq = $2 WHERE id = $1', [
      conversation,
      HISTORY + 1,
    ]);

    const bystander = await openEvents(harness, bob, alice);
    /** Send-to-delivery times of the bystander, one after another, for at least `seconds`. */
    const latencies = async (label: string, seconds: number) => {
      const samples: number[] = [];
      const end = performance.now() + seconds * 1000;
      for (let index = 0; samples.length < SAMPLES || performance.now() < end; index++) {
        const body = `${label} ${index}`;
        const started = performance.now();
        const arrived = receivedBody(bystander, body, 30_000);
        await send(server(), alice, bob, body);
        await arrived;
        samples.push(performance.now() - started);
      }
      return samples;
    };
    const before = await latencies('baseline', 5);
    const baseline = median(before);

    // The oldest cursor the server accepts: 23 hours back, naming no conversation.
    const forged = Buffer.from(`v1:${Date.now() - 23 * 3_600_000}:`).toString('base64url');
    const streams: Array<ReturnType<typeof subscribeToEvents>> = [];
    for (let socket = 0; socket < SOCKETS; socket++) {
      const client: Client = wsClient(server(), eve.token);
      harness.defer(() => client.dispose());
      await connected(client);
      for (let index = 0; index < STREAMS_PER_SOCKET; index++) streams.push(subscribeToEvents(client, forged));
    }
    const replayedSoFar = () => streams.reduce((sum, stream) => sum + stream.events.length, 0);
    await waitUntil(() => replayedSoFar() > 0, 'the replay to start', 30_000);
    const started = performance.now();
    const meanwhile = await latencies('during', 15);
    const during = median(meanwhile);
    const elapsedS = (performance.now() - started) / 1000;
    const replayed = replayedSoFar();
    const refused = streams.filter((stream) => stream.error !== undefined).length;

    console.log(
      `bystander p50 ${baseline.toFixed(1)} ms / p99 ${quantile(before, 0.99).toFixed(1)} ms before, ` +
        `p50 ${during.toFixed(1)} ms / p99 ${quantile(meanwhile, 0.99).toFixed(1)} ms during; ` +
        `${replayed} rows replayed in ${elapsedS.toFixed(1)} s to ${streams.length - refused} streams`,
    );
    // Capped: ten streams at most; paced: about 500 rows a second across them, plus a read's start.
    expect(refused).toBe(streams.length - 10);
    expect(replayed).toBeLessThanOrEqual(500 * (Math.ceil(elapsedS) + 2));
    expect(during).toBeLessThan(3 * baseline + 20);
  }, 170_000);
});
