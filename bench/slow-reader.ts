/**
 * `npm run bench:slow-reader [-- --seconds 60 --rate 500]`: one client
 * subscribes to `events` and stops reading its socket while its peer sends at
 * `rate` messages a second. Prints the server's RSS every 5 s (it must stay
 * flat: the stalled stream holds a bounded buffer), then lets the client read
 * again and checks what it gets: every message, once, in order. `--control`
 * runs the same load with a reader that keeps reading.
 */
import { freePort } from '../api/test/support/ports.ts';
import { RawGraphQLSocket } from '../api/test/support/raw-sockets.ts';
import { waitUntil } from '../api/test/support/waits.ts';
import { createBenchDatabase, seedPeople } from './lib/database.ts';
import { rssKiB, startChatServer } from './lib/processes.ts';

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const seconds = option('seconds', 60);
const rate = option('rate', 500);
const BODY = 'm'.repeat(500);
/** `--control`: the same run with a client that keeps reading, to tell the stall's cost from the load's. */
const control = process.argv.includes('--control');

const database = await createBenchDatabase(
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
);
const port = await freePort();
const server = await startChatServer(port, {
  DATABASE_URL: database.url,
  ...(process.env.REDIS_URL && { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `bench-slow-${port}:` }),
  SENDS_PER_USER_BURST: '1000000',
  SENDS_PER_USER_PER_MINUTE: '100000000',
  // Keepalive would cut the stalled reader after ~50 s; off, the buffers alone must bound it.
  WS_KEEPALIVE_INTERVAL: '1h',
  // The sender is a load generator on one socket: let its sends overlap.
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '100000',
});
try {
  const [alice, bob] = await seedPeople(database.sql, `slow${port}_`, 2);
  const wsUrl = `${server.url.replace(/^http/, 'ws')}/graphql`;
  const reader = await RawGraphQLSocket.open({ wsUrl }, bob!.token);
  reader.subscribe('events', 'subscription { events { ... on MessageEvent { cursor message { id } } } }');
  const sender = await RawGraphQLSocket.open({ wsUrl }, alice!.token);
  const send = (index: number) =>
    sender.subscribe(
      `send-${index}`,
      'mutation ($to: String!, $body: String!) { sendMessage(to: $to, body: $body) { id } }',
      {
        to: bob!.username,
        body: `${index} ${BODY}`,
      },
    );
  send(0);
  await waitUntil(() => reader.nexts('events').length === 1, 'the first message to arrive');
  if (!control) reader.pause();

  const samples: Array<{ second: number; rssMiB: number; sent: number }> = [];
  const started = Date.now();
  let sent = 1;
  const sample = () =>
    samples.push({
      second: Math.round((Date.now() - started) / 1000),
      rssMiB: Math.round(rssKiB(server.pid) / 1024),
      sent,
    });
  sample();
  let nextSample = started + 5_000;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate) + 1;
    while (sent < due) send(sent++);
    if (Date.now() >= nextSample) {
      sample();
      nextSample += 5_000;
    }
    await new Promise((tick) => setTimeout(tick, 10));
  }
  await waitUntil(
    () => sender.nexts(`send-${sent - 1}`).length === 1,
    'the last send to be answered',
    60_000,
  );
  sample();
  const resumeStarted = Date.now();
  reader.resume();
  const refused = sender.frames.filter((frame) => frame.type === 'error').length;
  if (refused > 0)
    throw new Error(
      `${refused} sends were refused: ${JSON.stringify(sender.frames.find((frame) => frame.type === 'error'))}`,
    );
  await waitUntil(() => reader.nexts('events').length >= sent, 'the reader to catch up', 120_000).catch(
    (error: unknown) => {
      throw new Error(
        `${String(error)}: ${reader.nexts('events').length} of ${sent}, socket closed: ${reader.closeCode}`,
      );
    },
  );
  const caughtUpMs = Date.now() - resumeStarted;
  const senderIds = Array.from(
    { length: sent },
    (_, index) => sender.nexts(`send-${index}`)[0]?.payload?.data?.sendMessage?.id,
  );
  const received = reader
    .nexts('events')
    .map((frame) => (frame.payload?.data?.events as { message?: { id?: string } })?.message?.id);
  const inOrder = [...senderIds].sort((a, b) => Number(a) - Number(b));
  console.table(samples);
  console.log(
    JSON.stringify(
      {
        rate,
        seconds,
        readerStalled: !control,
        sent,
        received: received.length,
        unique: new Set(received).size,
        everyMessageOnceInOrder: JSON.stringify(received) === JSON.stringify(inOrder),
        catchUpSeconds: Math.round(caughtUpMs / 100) / 10,
        rssMiB: {
          first: samples[0]!.rssMiB,
          max: Math.max(...samples.map((s) => s.rssMiB)),
          last: samples.at(-1)!.rssMiB,
        },
      },
      null,
      2,
    ),
  );
  reader.close();
  sender.close();
} finally {
  await server.stop();
  await database.drop();
}
