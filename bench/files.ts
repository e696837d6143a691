/**
 * `npm run bench:files`: what files cost. Ten concurrent 25 MiB uploads to local storage on the
 * real process (its RSS growth and each upload's rate over loopback), a 25 MiB download, and a
 * 12-megapixel JPEG processed (sniff, orient, strip, two thumbnails) with the event loop's delay
 * measured meanwhile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { freePort } from '../api/test/support/ports.ts';
import { processImage, sniffType } from '../api/src/modules/files/images.ts';
import { createBenchDatabase, seedPeople } from './lib/database.ts';
import { rssKiB, startChatServer } from './lib/processes.ts';
import type { Account } from './lib/protocol.ts';
import { now, summarize } from './lib/stats.ts';

const UPLOADS = 10;
const SIZE = 25 * 1024 * 1024;
const IMAGE_ROUNDS = Number(process.env.BENCH_FILES_IMAGE_ROUNDS ?? 15);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = await createBenchDatabase(serverUrl);
const filesDir = await mkdtemp(join(tmpdir(), 'chat-bench-files-'));
const server = await startChatServer(await freePort(), {
  DATABASE_URL: database.url,
  FILES_DIR: filesDir,
  UPLOADS_PER_USER_PER_MINUTE: '1000',
});
const MB = 1_000_000;

async function call<T>(me: Account, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${me.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: T; errors?: unknown };
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

let sampler: NodeJS.Timeout | undefined;
try {
  const people = await seedPeople(database.sql, 'files', UPLOADS + 1);
  const [owner, ...others] = people as [Account, ...Account[]];
  const { createGroup } = await call<{ createGroup: { id: string } }>(
    owner,
    'mutation ($m: [String!]!) { createGroup(title: "bench", members: $m) { id } }',
    {
      m: others.map((other) => other.username),
    },
  );
  const bytes = new Uint8Array(SIZE).map((_, index) => index % 251);
  const before = rssKiB(server.pid);
  let peak = before;
  sampler = setInterval(() => (peak = Math.max(peak, rssKiB(server.pid))), 20);
  const rates = await Promise.all(
    people.slice(0, UPLOADS).map(async (me) => {
      const { createUpload: ticket } = await call<{
        createUpload: { id: string; url: string; headers: Array<{ name: string; value: string }> };
      }>(
        me,
        'mutation ($c: ID!, $s: Int!) { createUpload(conversationId: $c, filename: "big.bin", contentType: "application/octet-stream", size: $s) { id url headers { name value } } }',
        { c: createGroup.id, s: SIZE },
      );
      const started = now();
      const response = await fetch(new URL(ticket.url, server.url), {
        method: 'PUT',
        headers: Object.fromEntries(ticket.headers.map(({ name, value }) => [name, value])),
        body: bytes,
      });
      if (!response.ok) throw new Error(`PUT ${response.status}`);
      const rate = SIZE / MB / ((now() - started) / 1000);
      await call(
        me,
        'mutation ($c: ID!, $a: [ID!]) { sendMessage(conversationId: $c, body: "", attachments: $a) { id } }',
        {
          c: createGroup.id,
          a: [ticket.id],
        },
      );
      return { rate, id: ticket.id };
    }),
  );
  clearInterval(sampler);
  const started = now();
  const download = await fetch(new URL(`/files/${rates[0]!.id}`, server.url), {
    headers: { authorization: `Bearer ${owner.token}` },
  });
  const downloaded = (await download.arrayBuffer()).byteLength;
  const downloadRate = downloaded / MB / ((now() - started) / 1000);

  const photo = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: 'gray',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const times: number[] = [];
  for (let round = 0; round < IMAGE_ROUNDS; round++) {
    loop.enable();
    const began = now();
    const type = await sniffType(photo.subarray(0, 4100));
    await processImage(photo, type);
    times.push(now() - began);
    loop.disable();
  }
  const image = summarize(times);
  const slowest = (value: number[]) => Math.min(...value).toFixed(0);
  console.log(
    JSON.stringify(
      {
        uploads: {
          concurrent: UPLOADS,
          sizeMiB: SIZE / 1024 / 1024,
          rssGrowthMiB: Math.round((peak - before) / 1024),
          slowestMBps: Number(slowest(rates.map(({ rate }) => rate))),
          medianMBps: Math.round(summarize(rates.map(({ rate }) => rate)).p50),
        },
        download: { MiB: downloaded / 1024 / 1024, MBps: Math.round(downloadRate) },
        image12MP: {
          jpegMiB: Math.round((photo.length / 1024 / 1024) * 10) / 10,
          rounds: IMAGE_ROUNDS,
          p50ms: Math.round(image.p50),
          maxMs: Math.round(image.max),
          eventLoopMaxDelayMs: Math.round(loop.max / 1e6),
        },
      },
      null,
      2,
    ),
  );
} finally {
  // Stopped first: a failed run must show its own error, not the RSS of a process that is gone.
  clearInterval(sampler);
  await server.stop();
  await database.drop();
  await rm(filesDir, { recursive: true, force: true });
}
