import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, sendMessage, signup, subscribeToConversation, wsClient } from './support/clients.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let instances: TestServer[] = [];
const disposers: Array<() => unknown> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const redis = { url: testRedisUrl(), prefix: uniqueRedisPrefix() };
  // Started together on a fresh database: both run the migrations, which must be applied once.
  instances = await Promise.all([1, 2].map(() => startTestServer({ databaseUrl: database.url, redis })));
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await Promise.all(instances.map((instance) => instance.stop()));
  await database?.drop();
});

describe('two instances sharing PostgreSQL and Redis', () => {
  it('applied the migrations once although both started at once', async () => {
    const sql = await connectSql(database.url);
    try {
      const { rows } = await sql.query('SELECT migration_name, finished_at FROM _prisma_migrations');
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((row) => row.migration_name)).size).toBe(rows.length);
      expect(rows.every((row) => row.finished_at !== null)).toBe(true);
    } finally {
      await sql.end();
    }
  });

  it('delivers a message sent through one to a subscriber of the other, both ways', async () => {
    const [one, two] = instances as [TestServer, TestServer];
    const [alice, bob] = await Promise.all([signup(one), signup(two)]);
    const known = (await sendMessage(one, alice, bob.username, 'known')).data!.sendMessage.id;
    const bobClient = wsClient(two, bob.token);
    const aliceClient = wsClient(one, alice.token);
    disposers.push(
      () => bobClient.dispose(),
      () => aliceClient.dispose(),
    );
    await Promise.all([connected(bobClient), connected(aliceClient)]);
    const bobSees = subscribeToConversation(bobClient, alice.username, known);
    const aliceSees = subscribeToConversation(aliceClient, bob.username, known);

    const fromAlice = (await sendMessage(one, alice, bob.username, 'via instance one')).data!.sendMessage;
    const fromBob = (await sendMessage(two, bob, alice.username, 'via instance two')).data!.sendMessage;
    expect(await bobSees.until(2)).toEqual([fromAlice, fromBob]);
    expect(await aliceSees.until(2)).toEqual([fromAlice, fromBob]);
  });
});
