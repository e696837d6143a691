import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { freePort } from './ports.ts';

/** Uses DATABASE_URL's server when set, else starts an embedded PostgreSQL for this run. */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('adminDatabaseUrl', process.env.DATABASE_URL);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'chat-test-pg-'));
  // A port the kernel just handed out, not a random one: the machine's many test connections
  // take ephemeral ports, and a collision made the cluster fail to start now and then.
  const port = await freePort();
  const embedded = await startEmbeddedPostgres(dataDir, port, (message) => console.error(message));
  project.provide('adminDatabaseUrl', embedded.url);
  return async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
