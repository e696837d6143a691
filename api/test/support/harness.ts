import type { Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import { connected, wsClient, type TestUser } from './clients.ts';
import { createTestDatabase } from './database.ts';
import { startTestServer, type TestServer } from './server.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * One server on a database of its own for a test file, started before its
 * tests and stopped after them, with everything the tests `defer()` disposed
 * first, newest first.
 */
export function useTestServer(options: { env?: Record<string, string> } = {}) {
  let server: TestServer | undefined;
  let database: TestDatabase | undefined;
  const disposers: Array<() => unknown> = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({ databaseUrl: database.url, env: options.env });
  });
  afterAll(async () => {
    for (const dispose of disposers.reverse()) await dispose();
    await server?.stop();
    await database?.drop();
  });

  return {
    get server(): TestServer {
      if (!server) throw new Error('the test server is not started yet');
      return server;
    },
    get database(): TestDatabase {
      if (!database) throw new Error('the test database is not created yet');
      return database;
    },
    defer(dispose: () => unknown) {
      disposers.push(dispose);
    },
    /** A connected graphql-ws client for `user`, disposed after the file. */
    async openClient(user: TestUser): Promise<Client> {
      const client = wsClient(this.server, user.token);
      disposers.push(() => client.dispose());
      await connected(client);
      return client;
    },
  };
}
