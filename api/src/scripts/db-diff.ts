/**
 * `npm run db:diff`: prints the SQL the next migration needs, from what
 * prisma/migrations build to what prisma/schema.prisma declares. Prisma's
 * engine needs a database to replay migrations in, so they are applied to a
 * throwaway one (on DATABASE_URL's server, else in a throwaway embedded
 * PostgreSQL), compared with the schema, and dropped: no database in use is
 * touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../test/support/ports.ts';
import { loadConfig } from '../app/config.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { applyMigrations } from '../db/migrations.ts';
import { diffDatabaseToSchema } from './schema-engine.ts';

/** Runs `use` on a new database on the server at `serverUrl`, dropped afterwards. */
async function withThrowawayDatabase<T>(serverUrl: string, use: (url: string) => Promise<T>): Promise<T> {
  const name = `chat_db_diff_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      return await use(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/** Runs `use` on a throwaway embedded PostgreSQL: the project's own may be running for `npm start`. */
async function withThrowawayServer<T>(use: (url: string) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chat-db-diff-'));
  try {
    const embedded = await startEmbeddedPostgres(dataDir, await freePort(), console.error);
    try {
      return await use(embedded.url);
    } finally {
      await embedded.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const { DATABASE_URL } = loadConfig();
const diff = async (url: string) => {
  await applyMigrations(url);
  return diffDatabaseToSchema(url);
};
const sql = DATABASE_URL ? await withThrowawayDatabase(DATABASE_URL, diff) : await withThrowawayServer(diff);
if (sql === '') {
  console.error('prisma/migrations build what prisma/schema.prisma declares: no migration is needed.');
} else {
  process.stdout.write(sql);
  console.error('\nSave it, reviewed, as prisma/migrations/<yyyymmddhhmmss>_<what_it_does>/migration.sql.');
}
