import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/database.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: FaultProxy;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await FaultProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  server = await startTestServer({ databaseUrl: proxy.rewrite(database.url) });
});

afterAll(async () => {
  await server?.stop();
  await proxy?.stop();
  await database?.drop();
});

/** /readyz as a balancer polls it: an answer that takes longer than its own check interval is no answer. */
const ready = () => fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2_500) });

describe('/readyz while PostgreSQL is frozen', () => {
  it('answers 503 (database unavailable) in time rather than hanging with the database, and 200 once it is back', async () => {
    expect((await ready()).status).toBe(200);
    proxy.stall();
    try {
      const frozen = await ready();
      expect(frozen.status).toBe(503);
      expect(await frozen.json()).toMatchObject({ status: 'degraded', database: 'unavailable' });
    } finally {
      proxy.restore();
    }
    expect((await ready()).status).toBe(200);
  });
});
