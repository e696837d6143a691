/**
 * `npm run bench:search [-- --quick] [-- --messages 1000000]`: message search at a million messages.
 *
 * A corpus of realistic text written straight into the tables: words drawn from an English list
 * ranked by frequency with Zipf's law (rank r about as often as 1/r), plus links, file names,
 * ticket codes, numbers, Chinese, Japanese, Korean and accented words, over 20,000 groups of
 * three or four people, one of whom (the reader) is in 2,000 of them. The search indexes are
 * built after the rows, as a restored or migrated database builds them, and their build times
 * and sizes are printed. Then 300 searches of every kind, over HTTP as the web client asks, one
 * after another, as the reader; then the latency of sends at 100 per second with the search
 * indexes and without them. `--quick` (CI) is a tenth of it and fails only on an error; `--keep`
 * skips the sends and leaves the database in place, indexes and all.
 */
import { dictionary } from '@zxcvbn-ts/language-en';
import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../api/test/support/ports.ts';
import { createBenchDatabase, seedPeople } from './lib/database.ts';
import { startChatServer } from './lib/processes.ts';
import { summarize, type LatencySummary } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
/** Keeps the database for a look at the plans (`EXPLAIN`); drop it by hand. */
const keep = process.argv.includes('--keep');
const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const scale = quick ? 10 : 1;
const messages = option('messages', 1_000_000 / scale);
const conversations = option('conversations', 20_000 / scale);
const readerConversations = option('reader-conversations', 2_000 / scale);
const searches = option('searches', quick ? 60 : 300);
const sendSeconds = option('send-seconds', quick ? 3 : 10);
const SENDS_PER_SECOND = 100;
const PEOPLE = 1_000;

/** Plain lower-case words, most frequent first (subtitles: how people write in a chat). */
const words = dictionary['commonWords-en'].filter((word) => /^[a-z]{2,}$/.test(word)).slice(0, 20_000);
const CJK = [
  '東京タワーに行きました',
  '今日は会議があります',
  '서울에서 만나요',
  '北京的天气很好',
  '新しいプロジェクトを始めます',
  '我们明天见',
  '회의는 내일입니다',
];
const ACCENTED = [
  'café',
  'résumé',
  'naïve',
  'façade',
  'crème brûlée',
  'São Paulo',
  'Zürich',
  'déjà vu',
  'piñata',
  'École',
];
const EXTENSIONS = ['json', 'pdf', 'png', 'csv', 'tar.gz', 'docx'];
const DOMAINS = ['example.com', 'docs.example.org', 'github.com', 'wiki.example.net'];

const log = (text: string) => console.error(`[bench:search] ${text}`);
const database = await createBenchDatabase(
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
);
const port = await freePort();
const server = await startChatServer(port, {
  DATABASE_URL: database.url,
  SEARCHES_PER_USER_PER_MINUTE: '1000000',
  SENDS_PER_USER_BURST: '100000',
  SENDS_PER_USER_PER_MINUTE: '1000000',
});
const sql = database.sql;

const timed = async <T>(what: string, work: () => Promise<T>): Promise<{ result: T; seconds: number }> => {
  const started = performance.now();
  const result = await work();
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  log(`${what}: ${seconds} s`);
  return { result, seconds };
};

/** The search indexes as the migration message_search makes them, by name. */
async function searchIndexes(): Promise<Array<{ name: string; definition: string }>> {
  const { rows } = await sql.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE tablename = 'messages' AND indexname LIKE 'messages_search_%' ORDER BY indexname`,
  );
  return rows;
}

async function seed() {
  const people = await seedPeople(sql, `search${port}_`, PEOPLE + 1);
  const reader = people[0]!;
  await sql.query('CREATE TABLE bench_words (rank int PRIMARY KEY, word text NOT NULL)');
  await sql.query(
    'INSERT INTO bench_words SELECT rank, word FROM unnest($1::text[]) WITH ORDINALITY AS w(word, rank)',
    [words],
  );
  await sql.query(
    `WITH made AS (
       INSERT INTO conversations (kind, title, last_seq, last_stream_seq, last_message_at, last_event_at)
       SELECT 'GROUP', 'bench ' || g, 0, 0, now(), now() FROM generate_series(1, $1::int) AS g RETURNING id
     ), numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM made),
     people AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE username LIKE $3 AND username <> $4)
     INSERT INTO conversation_members (conversation_id, user_id, role)
     SELECT numbered.id, people.id, CASE WHEN k = 0 THEN 'OWNER' ELSE 'MEMBER' END::member_role
     FROM numbered CROSS JOIN generate_series(0, 2) AS k JOIN people ON people.n = (numbered.n * 7 + k * 331) % $5
     UNION ALL
     SELECT numbered.id, (SELECT id FROM users WHERE username = $4), 'MEMBER' FROM numbered WHERE numbered.n <= $2`,
    [conversations, readerConversations, `search${port}_%`, reader.username, PEOPLE],
  );
  const indexes = await searchIndexes();
  for (const index of indexes) await sql.query(`DROP INDEX ${index.name}`);
  const chunk = 100_000;
  const { seconds: insertSeconds } = await timed(
    `${messages} messages (the stored search columns computed on insert)`,
    async () => {
      for (let from = 0; from < messages; from += chunk) {
        await sql.query(
          `WITH convs AS (SELECT c.id, row_number() OVER (ORDER BY c.id) - 1 AS n,
                          (SELECT array_agg(user_id ORDER BY user_id) FROM conversation_members WHERE conversation_id = c.id) AS members
                        FROM conversations c),
              numbered AS (SELECT i, convs.id AS conversation_id, convs.members
                           FROM generate_series($1::bigint, $2::bigint) AS i JOIN convs ON convs.n = i % $3)
         INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body, created_at)
         SELECT conversation_id, i / $3 + 1, i / $3 + 1, stamp, members[1 + (i % array_length(members, 1))],
           -- Rank r about 1/r of the time (log-uniform ranks), each word drawn anew.
           (SELECT string_agg((SELECT word FROM bench_words w WHERE w.rank = picks.rank), ' ')
            FROM (SELECT least($4::int, floor(exp(random() * ln($4::int)))::int) AS rank
                  FROM generate_series(1, 3 + (i % 11)::int) AS k) AS picks)
           || CASE WHEN random() < 0.05 THEN ' https://' || ($5::text[])[1 + (i % 4)] || '/' || (SELECT word FROM bench_words WHERE rank = 1 + (i * 13) % 2000) ELSE '' END
           || CASE WHEN random() < 0.03 THEN ' ' || (SELECT word FROM bench_words WHERE rank = 1 + (i * 17) % 3000) || '.' || ($6::text[])[1 + (i % 6)] ELSE '' END
           || CASE WHEN random() < 0.05 THEN ' PLT-' || (i * 7919) % 10000 ELSE '' END
           || CASE WHEN random() < 0.05 THEN ' ' || (i * 104729) % 1000000 ELSE '' END
           || CASE WHEN random() < 0.02 THEN ' ' || ($7::text[])[1 + (i % 7)] ELSE '' END
           || CASE WHEN random() < 0.03 THEN ' ' || ($8::text[])[1 + (i % 10)] ELSE '' END,
           stamp
         FROM numbered, LATERAL (SELECT now() - interval '365 days' + (i * (interval '365 days' / $9::float8)) AS stamp) AS t`,
          [
            from,
            Math.min(messages, from + chunk) - 1,
            conversations,
            words.length,
            DOMAINS,
            EXTENSIONS,
            CJK,
            ACCENTED,
            messages,
          ],
        );
      }
      await sql.query(
        `UPDATE conversations c SET last_seq = m.seq, last_stream_seq = m.seq, last_message_at = m.at, last_event_at = m.at
       FROM (SELECT conversation_id, max(seq) AS seq, max(created_at) AS at FROM messages GROUP BY conversation_id) m
       WHERE m.conversation_id = c.id`,
      );
    },
  );
  const builds: Record<string, number> = {};
  for (const index of indexes) {
    builds[index.name] = (await timed(`build ${index.name}`, () => sql.query(index.definition))).seconds;
  }
  await sql.query('VACUUM ANALYZE');
  const { rows: sizes } = await sql.query<{ name: string; bytes: string }>(
    `SELECT indexname AS name, pg_relation_size(indexname::regclass) AS bytes FROM pg_indexes
     WHERE tablename = 'messages' ORDER BY indexname`,
  );
  const {
    rows: [stored],
  } = await sql.query<{ vector: string; body: string; table: string }>(
    `SELECT sum(pg_column_size(search_vector)) AS vector, sum(pg_column_size(body)) AS body,
            pg_table_size('messages') AS table FROM messages`,
  );
  const { rows: readerRows } = await sql.query<{ count: string }>(
    `SELECT count(*) FROM messages WHERE conversation_id IN (SELECT conversation_id FROM conversation_members WHERE user_id = (SELECT id FROM users WHERE username = $1))`,
    [reader.username],
  );
  return {
    reader,
    people,
    insertSeconds,
    builds,
    sizes: Object.fromEntries(sizes.map((row) => [row.name, mb(Number(row.bytes))])),
    storedMb: {
      searchVector: mb(Number(stored!.vector)),
      body: mb(Number(stored!.body)),
      table: mb(Number(stored!.table)),
    },
    readerMessages: Number(readerRows[0]!.count),
  };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;

interface Ask {
  kind: string;
  query: string;
  conversationId?: string;
}

const pick = <T>(list: readonly T[], index: number) => list[index % list.length]!;

/** `count` searches, every kind in turn, their words chosen by rank. */
function plannedSearches(count: number, readerConversationIds: string[], usernames: string[]): Ask[] {
  const kinds: Array<(n: number) => Ask> = [
    (n) => ({ kind: 'rare word', query: pick(words.slice(8_000, 16_000), n * 97) }),
    (n) => ({ kind: 'common word', query: pick(words.slice(20, 80), n * 7) }),
    (n) => ({
      kind: 'partial word',
      query: pick(
        words.slice(200, 3_000).filter((word) => word.length >= 7),
        n * 31,
      ).slice(1, 5),
    }),
    (n) => ({
      kind: 'two words',
      query: `${pick(words.slice(20, 200), n * 3)} ${pick(words.slice(200, 2_000), n * 11)}`,
    }),
    (n) => ({
      kind: 'phrase',
      query: `"${pick(words.slice(20, 100), n * 5)} ${pick(words.slice(20, 100), n * 13)}"`,
    }),
    (n) => ({
      kind: 'exclusion',
      query: `${pick(words.slice(20, 200), n * 17)} -${pick(words.slice(20, 200), n * 19)}`,
    }),
    (n) => ({ kind: 'from:', query: `from:${pick(usernames, n * 29)}` }),
    (n) => ({
      kind: 'from: + word',
      query: `${pick(words.slice(20, 400), n * 23)} from:${pick(usernames, n * 37)}`,
    }),
    (n) => ({
      kind: 'has:link',
      query: n % 2 === 0 ? 'has:link' : `has:link ${pick(words.slice(0, 2_000), n * 41)}`,
    }),
    (n) => {
      const month = 1 + (n % 11);
      const date = (m: number) => `${new Date().getUTCFullYear() - 1}-${String(m).padStart(2, '0')}-01`;
      return {
        kind: 'dates',
        query: `${pick(words.slice(20, 400), n * 43)} after:${date(month)} before:${date(month + 1)}`,
      };
    },
    (n) => ({
      kind: 'one conversation',
      query: pick(words.slice(20, 400), n * 47),
      conversationId: pick(readerConversationIds, n * 53),
    }),
    (n) => ({
      kind: 'ticket code',
      query: n % 2 === 0 ? `PLT-${(n * 7919) % 10_000}` : String((n * 104_729) % 1_000_000).slice(0, 4),
    }),
    (n) => ({ kind: 'file name', query: `${pick(words.slice(0, 3_000), n * 17)}.${pick(EXTENSIONS, n)}` }),
    (n) => ({ kind: 'link', query: `${pick(DOMAINS, n)}/${pick(words.slice(0, 2_000), n * 13)}` }),
    (n) => ({
      kind: 'CJK',
      query: pick(['東京', '会議', '서울', '天气', 'プロジェクト', '明天', '내일'], n),
    }),
    (n) => ({ kind: 'accents', query: pick(['cafe', 'resume', 'zurich', 'ECOLE', 'deja', 'sao paulo'], n) }),
    () => ({ kind: 'everything (no words)', query: '' }),
  ];
  return Array.from({ length: count }, (_, n) => kinds[n % kinds.length]!(Math.floor(n / kinds.length)));
}

async function graphql<T = { search: { edges: unknown[] } }>(
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data)
    throw new Error(`${query.slice(0, 60)} ${JSON.stringify(variables)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const SEARCH = `query ($query: String!, $conversationId: ID) {
  search(query: $query, conversationId: $conversationId, first: 20) {
    edges { cursor node { message { id body createdAt sender { username } conversation { id } } highlights { start length } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** One search over HTTP, timed; a search cut at SEARCH_TIMEOUT counts with its time, any other error fails the bench. */
async function timedSearch(token: string, variables: Record<string, unknown>) {
  const started = performance.now();
  try {
    const data = await graphql(token, SEARCH, variables);
    return { ms: performance.now() - started, hits: data.search.edges.length, timedOut: false };
  } catch (error) {
    if (!String(error).includes('"TIMEOUT"')) throw error;
    return { ms: performance.now() - started, hits: 0, timedOut: true };
  }
}

async function runSearches(token: string, asks: Ask[]) {
  const byKind = new Map<string, number[]>();
  const all: number[] = [];
  let hits = 0;
  let timedOut = 0;
  for (const ask of asks) {
    const result = await timedSearch(token, { query: ask.query, conversationId: ask.conversationId });
    hits += result.hits;
    if (result.timedOut) timedOut += 1;
    all.push(result.ms);
    byKind.set(ask.kind, [...(byKind.get(ask.kind) ?? []), result.ms]);
  }
  return {
    all: summarize(all),
    timedOut,
    hitsPerSearch: Math.round((hits / asks.length) * 10) / 10,
    byKind: Object.fromEntries([...byKind].map(([kind, samples]) => [kind, summarize(samples)])),
  };
}

/** How many of the reader's messages a query's words match at all, against how long its first page takes. */
async function firstPageVersusMatches(token: string, readerId: string) {
  const rows: Array<{ query: string; matches: number; firstPage: LatencySummary }> = [];
  for (const query of [words[40]!, words[400]!, words[4_000]!, words[15_000]!]) {
    const {
      rows: [count],
    } = await sql.query<{ count: string }>(
      `SELECT count(*) FROM messages x WHERE x.kind = 'TEXT' AND x.deleted_at IS NULL
         AND x.conversation_id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1)
         AND (x.search_vector @@ plainto_tsquery('public.chat_search', $2) OR x.search_text LIKE search_pattern($2))`,
      [readerId, query],
    );
    const samples: number[] = [];
    for (let repeat = 0; repeat < 10; repeat += 1) samples.push((await timedSearch(token, { query })).ms);
    rows.push({ query, matches: Number(count!.count), firstPage: summarize(samples) });
  }
  return rows;
}

const SEND = 'mutation ($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }';

/** One send into one of the reader's conversations, timed; NaN when it failed (an overloaded server's UNAVAILABLE). */
async function timedSend(token: string, conversationIds: string[], index: number): Promise<number> {
  const started = performance.now();
  try {
    await graphql<unknown>(token, SEND, {
      id: pick(conversationIds, index * 7),
      body: `${pick(words, index * 13)} ${pick(words, index * 31)} update PLT-${index} https://example.com/${index} ${pick(CJK, index)}`,
    });
    return performance.now() - started;
  } catch {
    return Number.NaN;
  }
}

const sendSummary = (samples: number[]) => ({
  ...summarize(samples.filter((sample) => !Number.isNaN(sample))),
  failed: samples.filter((sample) => Number.isNaN(sample)).length,
});

/** Sends at a steady 100 per second (an open loop: a slow answer does not slow the next send). */
async function pacedSends(token: string, conversationIds: string[]) {
  const samples: Array<Promise<number>> = [];
  const start = performance.now();
  for (let index = 0; index < sendSeconds * SENDS_PER_SECOND; index += 1) {
    const wait = start + (index * 1000) / SENDS_PER_SECOND - performance.now();
    if (wait > 0) await delay(wait);
    samples.push(timedSend(token, conversationIds, index));
  }
  return sendSummary(await Promise.all(samples));
}

/** Sends one after another: each one's own cost, whatever else the machine is doing. */
async function sequentialSends(token: string, conversationIds: string[]) {
  const samples: number[] = [];
  for (let index = 0; index < (quick ? 50 : 300); index += 1)
    samples.push(await timedSend(token, conversationIds, index));
  return sendSummary(samples);
}

/** Send latency with the search indexes, then with them and the stored search columns dropped. */
async function sendsWithAndWithoutIndexes(token: string, conversationIds: string[]) {
  const measure = async (what: string) => {
    const oneAtATime = await sequentialSends(token, conversationIds);
    const at100PerSecond = await pacedSends(token, conversationIds);
    log(
      `sends ${what}: one at a time p50 ${oneAtATime.p50} ms; at 100/s p50 ${at100PerSecond.p50} ms, p99 ${at100PerSecond.p99} ms, ${at100PerSecond.failed} failed`,
    );
    return { oneAtATime, at100PerSecond };
  };
  const withSearchIndexes = await measure('with the search indexes');
  for (const index of await searchIndexes()) await sql.query(`DROP INDEX ${index.name}`);
  await sql.query('ALTER TABLE messages DROP COLUMN search_vector, DROP COLUMN search_text');
  const withoutSearchIndexes = await measure('without them');
  return { withSearchIndexes, withoutSearchIndexes };
}

try {
  const seeded = await seed();
  const { reader, people } = seeded;
  const {
    rows: [me],
  } = await sql.query<{ id: string }>('SELECT id::text FROM users WHERE username = $1', [reader.username]);
  const { rows: mine } = await sql.query<{ id: string }>(
    'SELECT conversation_id::text AS id FROM conversation_members WHERE user_id = $1 ORDER BY conversation_id',
    [me!.id],
  );
  const readerConversationIds = mine.map((row) => row.id);
  const usernames = [reader.username, ...people.slice(1, 50).map((person) => person.username)];
  const asks = plannedSearches(searches, readerConversationIds, usernames);
  // Warm the caches and the connections as a running server's would be.
  await runSearches(reader.token, plannedSearches(40, readerConversationIds, usernames));
  const measured = await runSearches(reader.token, asks);
  log(`searches: p50 ${measured.all.p50} ms, p99 ${measured.all.p99} ms`);
  const versus = await firstPageVersusMatches(reader.token, me!.id);
  const sends = keep ? null : await sendsWithAndWithoutIndexes(reader.token, readerConversationIds);
  const result = {
    date: new Date().toISOString().slice(0, 10),
    quick,
    corpus: {
      messages,
      conversations,
      readerConversations,
      readerMessages: seeded.readerMessages,
      people: PEOPLE + 1,
      words: words.length,
    },
    seconds: { insert: seeded.insertSeconds, indexBuilds: seeded.builds },
    sizesMb: { indexes: seeded.sizes, stored: seeded.storedMb },
    searches: measured,
    firstPageVersusMatches: versus,
    sends,
  };
  console.log(JSON.stringify(result, null, 2));
  if (!quick)
    await writeFile(new URL('results/search.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.stop();
  if (keep) {
    await sql.end();
    log(`kept the database: ${database.url}`);
  } else await database.drop();
}
