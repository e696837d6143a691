import { describe, expect, it } from 'vitest';
import { connected, sendMessage, signup, subscribeToConversation, wsClient } from '../support/clients.ts';
import { useServerBehindFaults } from '../support/outage-server.ts';
import { waitUntil } from '../support/waits.ts';

const faults = useServerBehindFaults();
const server = () => faults.server;

describe('a long Redis outage (soak)', () => {
  it('survives 60 s without Redis: /readyz says degraded, /healthz stays live, sends still commit, and a subscriber catches up after it: 0 lost, 0 duplicated', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const known = (await sendMessage(server(), alice, bob.username, 'known')).data!.sendMessage.id;
    const client = wsClient(server(), bob.token);
    faults.defer(() => client.dispose());
    await connected(client);
    const bobSees = subscribeToConversation(client, alice.username, known);

    const acknowledged: string[] = [];
    faults.redisProxy.cut();
    try {
      await waitUntil(async () => (await faults.readiness()).status === 503, '/readyz to report degraded');
      expect((await faults.readiness()).body).toMatchObject({
        status: 'degraded',
        database: 'ok',
        pubsub: 'unavailable',
      });
      // A minute on the clock is the point here: ioredis's reconnect backoff reaches its
      // longest pause, and whatever leaks per retry or per send has time to show.
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        expect((await fetch(`${server().url}/healthz`)).status).toBe(200);
        const result = await sendMessage(server(), alice, bob.username, `offline ${acknowledged.length}`);
        expect(result.errors).toBeUndefined();
        acknowledged.push(result.data!.sendMessage.id);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    } finally {
      faults.redisProxy.restore();
    }
    await waitUntil(async () => (await faults.readiness()).status === 200, '/readyz to recover', 15_000);
    const events = await bobSees.until(acknowledged.length, 20_000);
    expect(events.map((event) => event.id)).toEqual(acknowledged);
  });
});
