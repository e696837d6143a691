import pg from 'pg';
import { startRelay } from './bare-relay.ts';

export async function createReferenceTable(sql: pg.Pool | pg.Client) {
  await sql.query(
    'CREATE TABLE IF NOT EXISTS reference_messages (id bigserial PRIMARY KEY, sender text NOT NULL, receiver text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  );
}

/** The bare relay plus one INSERT per message before relaying it: the cost of durability alone. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await createReferenceTable(pool);
  await startRelay(Number(process.env.PORT), async (from, to, body) => {
    await pool.query('INSERT INTO reference_messages (sender, receiver, body) VALUES ($1, $2, $3)', [
      from,
      to,
      body,
    ]);
  });
  console.log('ready');
}
