import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const migrationsDir = resolve(import.meta.dirname, '../../../prisma/migrations');
/** Serialises instances that start together. */
const MIGRATION_LOCK_KEY = 7_270_736_901;

/** Prisma's own history table, so a machine with Prisma's CLI sees the same history. */
const HISTORY_TABLE = `
  CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;

interface Migration {
  name: string;
  sql: string;
}

/** `prisma/migrations/<timestamp>_<name>/migration.sql`, oldest first; `before` stops short of that name. */
async function localMigrations(before?: string): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && (before === undefined || entry.name < before))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({ name, sql: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8') })),
  );
}

/**
 * Applies the migrations in `prisma/migrations` that the database lacks, each
 * in a transaction of its own, recorded in `_prisma_migrations` as Prisma's
 * `migrate deploy` records them. Plain SQL files: the server needs no schema
 * engine to start. Safe when several instances start at once: they queue on
 * an advisory lock and the later ones find nothing left to apply. `before` (a
 * migration's name) stops short of it, so a test can build a database as an
 * older release left it. Returns the names applied.
 */
export async function applyMigrations(connectionString: string, before?: string): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(HISTORY_TABLE);
    const { rows } = await client.query<{ name: string; finished: boolean }>(
      `SELECT migration_name AS name, finished_at IS NOT NULL AS finished
       FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const failed = rows.find((row) => !row.finished);
    if (failed)
      throw new Error(
        `The migration ${failed.name} started and did not finish: repair the database, then mark it rolled back.`,
      );
    const applied = new Set(rows.map((row) => row.name));
    const done: string[] = [];
    for (const migration of await localMigrations(before)) {
      if (applied.has(migration.name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), createHash('sha256').update(migration.sql).digest('hex'), migration.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`The migration ${migration.name} failed`, { cause: error });
      }
      done.push(migration.name);
    }
    return done;
  } finally {
    await client.end();
  }
}
