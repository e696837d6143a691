import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyMigrations } from '../src/db/migrations.ts';
import { diffDatabaseToSchema } from '../src/scripts/schema-engine.ts';
import { createTestDatabase } from './support/database.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

it('prisma/migrations build exactly what prisma/schema.prisma declares (Prisma’s schema engine finds no difference)', async () => {
  // The diff is not blind: an empty database lacks every table.
  expect(await diffDatabaseToSchema(database.url)).toContain('CREATE TABLE "users"');

  await applyMigrations(database.url);
  // Anything here is SQL that no migration holds yet: `npm run db:diff` prints it for the next one.
  expect(await diffDatabaseToSchema(database.url)).toBe('');
});
