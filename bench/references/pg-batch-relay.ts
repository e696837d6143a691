import pg from 'pg';
import { startRelay } from './bare-relay.ts';
import { createReferenceTable } from './pg-relay.ts';

/**
 * The bare relay with group commit: messages that arrive while a commit is in
 * flight wait, then go in together as one INSERT through one named prepared
 * statement on one connection, and each is relayed once its batch committed.
 * Durable as the one-INSERT reference is, and the fastest such design this
 * bench knows: its rate is the limit of any durable chat on the machine.
 */
const MAX_BATCH = 1_000;
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await createReferenceTable(client);

interface Pending {
  from: string;
  to: string;
  body: string;
  stored: () => void;
}
let waiting: Pending[] = [];
let committing = false;

async function commitWaiting() {
  committing = true;
  while (waiting.length > 0) {
    const batch = waiting.slice(0, MAX_BATCH);
    waiting = waiting.slice(batch.length);
    await client.query({
      name: 'insert-batch',
      text: 'INSERT INTO reference_messages (sender, receiver, body) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      values: [batch.map((m) => m.from), batch.map((m) => m.to), batch.map((m) => m.body)],
    });
    for (const message of batch) message.stored();
  }
  committing = false;
}

await startRelay(
  Number(process.env.PORT),
  (from, to, body) =>
    new Promise<void>((stored) => {
      waiting.push({ from, to, body, stored });
      if (!committing) commitWaiting().catch((error: unknown) => console.error(error));
    }),
);
console.log('ready');
