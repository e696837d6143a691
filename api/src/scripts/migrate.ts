import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { applyMigrations } from '../db/migrations.ts';
import { loadConfig } from '../app/config.ts';

const config = loadConfig();
const embedded = config.DATABASE_URL
  ? undefined
  : await startEmbeddedPostgres(config.EMBEDDED_PG_DIR, config.EMBEDDED_PG_PORT, console.error);
try {
  const applied = await applyMigrations(config.DATABASE_URL ?? embedded!.url);
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
} finally {
  await embedded?.stop();
}
