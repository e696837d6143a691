import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { freePort } from './ports.ts';

/**
 * The embedded PostgreSQL of this vitest process. Every project that runs this setup (api and
 * e2e both do) shares the one the first started, rather than waiting for a cluster of its own;
 * the first stops it when the run closes, after every project's tests.
 */
const EMBEDDED = Symbol.for('chat.test.embedded-postgres');
const shared = globalThis as { [EMBEDDED]?: Promise<string> };

/** Uses DATABASE_URL's server when set, else an embedded PostgreSQL for this run. */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('adminDatabaseUrl', process.env.DATABASE_URL);
    return;
  }
  const running = shared[EMBEDDED];
  if (running) {
    project.provide('adminDatabaseUrl', await running);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'chat-test-pg-'));
  // A port the kernel just handed out, not a random one: the machine's many test connections
  // take ephemeral ports, and a collision made the cluster fail to start now and then.
  const starting = freePort().then((port) =>
    startEmbeddedPostgres(dataDir, port, (message) => console.error(message)),
  );
  shared[EMBEDDED] = starting.then((embedded) => embedded.url);
  const embedded = await starting;
  project.provide('adminDatabaseUrl', embedded.url);
  return async () => {
    delete shared[EMBEDDED];
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
