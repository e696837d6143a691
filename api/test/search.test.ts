import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, signup, type TestUser } from './support/clients.ts';
import { addMembers, createGroup, errorCode, removeMember, send } from './support/conversations.ts';
import { applyMigrations } from '../src/db/migrations.ts';
import { connectSql, createTestDatabase } from './support/database.ts';
import { deleteMessage, editMessage, ok } from './support/message-changes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let sql: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ databaseUrl: database.url });
  sql = await connectSql(database.url);
});
afterAll(async () => {
  await sql?.end();
  await server?.stop();
  await database?.drop();
});

interface Hit {
  message: { id: string; body: string; sender: { username: string }; conversation: { id: string } };
  highlights: Array<{ start: number; length: number }>;
}

interface SearchPage {
  edges: Array<{ cursor: string; node: Hit }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const SEARCH = `query ($query: String!, $conversationId: ID, $first: Int, $after: String) {
  search(query: $query, conversationId: $conversationId, first: $first, after: $after) {
    edges { cursor node { message { id body sender { username } conversation { id } } highlights { start length } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function searchRaw(
  target: Pick<TestServer, 'url'>,
  viewer: TestUser,
  query: string,
  options: { conversationId?: string; first?: number; after?: string } = {},
) {
  return gql<{ search: SearchPage }>(target, SEARCH, { query, ...options }, { token: viewer.token });
}

async function search(viewer: TestUser, query: string, options: Parameters<typeof searchRaw>[3] = {}) {
  return ok(await searchRaw(server, viewer, query, options)).search;
}

/** The bodies a search finds, newest first. */
async function found(viewer: TestUser, query: string, options: Parameters<typeof searchRaw>[3] = {}) {
  return (await search(viewer, query, { first: 50, ...options })).edges.map((edge) => edge.node.message.body);
}

/** The bodies a search on `target` finds. */
async function foundOn(target: TestServer, viewer: TestUser, query: string) {
  return ok(await searchRaw(target, viewer, query)).search.edges.map((edge) => edge.node.message.body);
}

/** The highlighted parts of each hit's body, by body. */
async function highlighted(viewer: TestUser, query: string) {
  const page = await search(viewer, query);
  return Object.fromEntries(
    page.edges.map(({ node }) => [
      node.message.body,
      node.highlights.map((range) => node.message.body.slice(range.start, range.start + range.length)),
    ]),
  );
}

describe('the query language and what a word matches', () => {
  let alice: TestUser;
  let bob: TestUser;
  const corpus = {
    cafe: 'See you at the Café tomorrow',
    ecole: "L'école est fermée aujourd'hui",
    meeting: 'The meeting starts at noon',
    shirt: 'I bought a t-shirt yesterday',
    ticket: 'Deploy blocked by PLT-3699 again',
    file: 'The config lives in db.json now',
    link: 'Docs are at https://example.com/docs/search for you',
    bareDomain: 'example.com is a domain, no link',
    tokyo: '東京タワーに行きました',
    korean: '서울에서 만나요',
    emoji: 'Party tonight 🎉 bring snacks',
    phrase: 'an exact phrase appears here',
    scrambled: 'phrase exact an, here',
    special: 'nothing special here',
    ratio: 'a ratio of 16:9 is wide',
    percent: 'growth was 100% this year',
    old: 'an old meeting from January',
    bobs: 'meeting notes from bob',
  } as const;
  type Key = keyof typeof corpus;

  beforeAll(async () => {
    [alice, bob] = [await signup(server), await signup(server)];
    const group = (await createGroup(server, alice, 'Search corpus', [bob])).id;
    for (const [key, body] of Object.entries(corpus)) {
      const message = await send(server, key === 'bobs' ? bob : alice, group, body);
      if (key === 'old')
        await sql.query(`UPDATE messages SET created_at = '2026-01-15T10:00:00Z' WHERE id = $1`, [
          message.id,
        ]);
    }
  });

  const table: Array<[query: string, finds: Key[]]> = [
    ['cafe', ['cafe']],
    ['CAFÉ', ['cafe']],
    ['ÉCOLE', ['ecole']],
    ['fermee', ['ecole']],
    ['meetings', ['meeting', 'old', 'bobs']],
    ['shirt', ['shirt']],
    ['t-shirt', ['shirt']],
    ['3699', ['ticket']],
    ['plt-3699', ['ticket']],
    ['json', ['file']],
    ['db.json', ['file']],
    ['example.com/docs', ['link']],
    ['東京', ['tokyo']],
    ['タワー', ['tokyo']],
    ['京タ', ['tokyo']],
    ['서울', ['korean']],
    ['🎉', ['emoji']],
    ['"an exact phrase"', ['phrase']],
    ['an exact phrase', ['phrase', 'scrambled']],
    ['meeting -notes', ['meeting', 'old']],
    ['meeting -"notes from"', ['meeting', 'old']],
    ['has:link', ['link']],
    ['has:link docs', ['link']],
    ['before:2026-02-01', ['old']],
    ['meeting after:2026-02-01', ['meeting', 'bobs']],
    ['meeting after:2026-01-15 before:2026-01-16', ['old']],
    ['"special here', ['special']],
    ['16:9', ['ratio']],
    ['has:pictures', []],
    ['100%', ['percent']],
    ['10_', []],
    ['nothing-matches-this', []],
  ];

  it.each(table)('%s finds exactly %j', async (query, keys) => {
    const expected = keys.map((key) => corpus[key]);
    expect((await found(alice, query)).sort()).toEqual([...expected].sort());
  });

  it('from: finds what one person wrote, with or without @, and with words', async () => {
    expect(await found(alice, `from:${bob.username}`)).toEqual([corpus.bobs]);
    expect(await found(alice, `from:@${bob.username.toUpperCase()}`)).toEqual([corpus.bobs]);
    expect((await found(alice, `meeting from:${alice.username}`)).sort()).toEqual(
      [corpus.meeting, corpus.old].sort(),
    );
    expect(await found(alice, 'from:nobody_by_that_name')).toEqual([]);
  });

  it('an empty query, or one of only filters, lists messages newest first', async () => {
    const all = await found(alice, '');
    expect(all).toHaveLength(Object.keys(corpus).length);
    expect(all[0]).toBe(corpus.bobs);
    expect(all.at(-1)).toBe(corpus.old);
    expect(await found(alice, `  from:${alice.username}  `)).toEqual(
      all.filter((body) => body !== corpus.bobs),
    );
  });

  it('marks what matched, in UTF-16 offsets', async () => {
    expect((await highlighted(alice, 'cafe'))[corpus.cafe]).toEqual(['Café']);
    expect((await highlighted(alice, 'meetings'))[corpus.meeting]).toEqual(['meeting']);
    expect((await highlighted(alice, 'shirt'))[corpus.shirt]).toEqual(['shirt']);
    expect((await highlighted(alice, '3699'))[corpus.ticket]).toEqual(['3699']);
    expect((await highlighted(alice, '東京'))[corpus.tokyo]).toEqual(['東京']);
    expect((await highlighted(alice, '🎉'))[corpus.emoji]).toEqual(['🎉']);
    expect((await highlighted(alice, '"an exact phrase"'))[corpus.phrase]).toEqual(['an exact phrase']);
    expect((await highlighted(alice, 'tonight 🎉 snack'))[corpus.emoji]).toEqual(['tonight', '🎉', 'snacks']);
  });
});

describe('who finds what', () => {
  it('finds only the messages of conversations the viewer is a member of now, the whole history of a group', async () => {
    const [alice, bob, carol, dave, erin] = [
      await signup(server),
      await signup(server),
      await signup(server),
      await signup(server),
      await signup(server),
    ];
    const group = (await createGroup(server, alice, 'Members', [bob, dave])).id;
    await send(server, alice, group, 'the quarterly zeppelin report');
    await send(server, alice, erin, 'a direct zeppelin for erin');

    expect(await found(bob, 'zeppelin')).toEqual(['the quarterly zeppelin report']);
    expect(await found(erin, 'zeppelin')).toEqual(['a direct zeppelin for erin']);
    expect(await found(carol, 'zeppelin')).toEqual([]);
    expect(errorCode(await searchRaw(server, carol, 'zeppelin', { conversationId: group }))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await searchRaw(server, carol, 'zeppelin', { conversationId: '999999' }))).toBe(
      'NOT_FOUND',
    );

    ok(await removeMember(server, alice, group, dave));
    expect(await found(dave, 'zeppelin')).toEqual([]);
    expect(errorCode(await searchRaw(server, dave, 'zeppelin', { conversationId: group }))).toBe('NOT_FOUND');

    ok(await addMembers(server, alice, group, [carol]));
    expect(await found(carol, 'zeppelin')).toEqual(['the quarterly zeppelin report']);
    // The server's own lines ("alice added carol") are no messages to find.
    expect(await found(carol, carol.username)).toEqual([]);
  });

  it('narrows to one conversation', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const first = (await createGroup(server, alice, 'One', [bob])).id;
    const second = (await createGroup(server, alice, 'Two', [bob])).id;
    await send(server, alice, first, 'walrus in the first');
    await send(server, alice, second, 'walrus in the second');
    const page = await search(bob, 'walrus', { conversationId: second });
    expect(page.edges.map(({ node }) => [node.message.body, node.message.conversation.id])).toEqual([
      ['walrus in the second', second],
    ]);
    expect(await found(bob, 'walrus')).toEqual(['walrus in the second', 'walrus in the first']);
  });

  it('finds an edited message by its current text only, and a deleted one never, as soon as the mutation returns', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = (await createGroup(server, alice, 'Changes', [bob])).id;
    const edited = await send(server, alice, group, 'lunch at the pagoda');
    const deleted = await send(server, alice, group, 'the secret pagoda code');
    ok(await editMessage(server, alice, edited.id, 'lunch at the bistro'));
    expect(await found(bob, 'pagoda')).toEqual(['the secret pagoda code']);
    expect(await found(bob, 'bistro')).toEqual(['lunch at the bistro']);
    ok(await deleteMessage(server, alice, deleted.id));
    expect(await found(bob, 'pagoda')).toEqual([]);
    expect(await found(bob, '', { conversationId: group })).toEqual(['lunch at the bistro']);
  });
});

describe('paging', () => {
  it('pages newest first without duplicates or gaps while new messages arrive', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = (await createGroup(server, alice, 'Pages', [bob])).id;
    const sent: string[] = [];
    for (let index = 0; index < 7; index += 1)
      sent.push((await send(server, alice, group, `okapi number ${index}`)).body);

    const seen: string[] = [];
    let after: string | undefined;
    for (let round = 0; ; round += 1) {
      const page = await search(bob, 'okapi', { first: 3, ...(after && { after }) });
      seen.push(...page.edges.map((edge) => edge.node.message.body));
      // Newer messages arriving between pages come before the first page, never into later ones.
      await send(server, alice, group, `okapi arrived during round ${round}`);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual([...sent].reverse());
  });

  it('refuses what it cannot answer: a long query, a big page, a foreign cursor, no session', async () => {
    const alice = await signup(server);
    expect(errorCode(await searchRaw(server, alice, 'x'.repeat(501)))).toBe('BAD_USER_INPUT');
    expect(errorCode(await searchRaw(server, alice, '🎉'.repeat(500)))).toBe('none');
    expect(errorCode(await searchRaw(server, alice, 'a\u0000b'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await searchRaw(server, alice, 'x', { first: 51 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await searchRaw(server, alice, 'x', { first: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await searchRaw(server, alice, 'x', { after: 'bm9wZQ' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(server, SEARCH, { query: 'x' }))).toBe('UNAUTHENTICATED');
  });
});

describe('common words', () => {
  it('pages a word that thousands of messages hold newest first, as a rare one (the walk, past the indexes)', async () => {
    const [alice, bob] = [await signup(server), await signup(server)];
    const group = (await createGroup(server, alice, 'Many', [bob])).id;
    const count = 4_200;
    // Written straight into the table: more matches than a search sorts from its indexes.
    await sql.query(
      `INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body, created_at)
       SELECT $1, 100 + n, 100 + n, now(), $2, CASE WHEN n % 2 = 0 THEN 'kiwi number ' || n ELSE '東京の会議 ' || n END,
              now() - (($3 - n) || ' seconds')::interval
       FROM generate_series(1, $3) AS n`,
      [Number(group), Number(alice.id), count],
    );
    await sql.query('UPDATE conversations SET last_seq = $2, last_stream_seq = $2 WHERE id = $1', [
      Number(group),
      100 + count,
    ]);
    const newestKiwis = Array.from({ length: 30 }, (_, index) => `kiwi number ${count - 2 * index}`);
    const first = await search(bob, 'kiwi', { first: 20 });
    const second = await search(bob, 'kiwi', { first: 10, after: first.pageInfo.endCursor! });
    expect([...first.edges, ...second.edges].map((edge) => edge.node.message.body)).toEqual(newestKiwis);
    expect(second.pageInfo.hasNextPage).toBe(true);
    expect((await search(bob, '会議', { first: 3 })).edges.map((edge) => edge.node.message.body)).toEqual([
      `東京の会議 ${count - 1}`,
      `東京の会議 ${count - 3}`,
      `東京の会議 ${count - 5}`,
    ]);
    expect(await found(bob, 'kiwi 会議')).toEqual([]);
  });
});

describe('limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      databaseUrl: database.url,
      env: { SEARCH_TIMEOUT: '300ms', SEARCHES_PER_USER_PER_MINUTE: '3' },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('cuts a search that runs past SEARCH_TIMEOUT with TIMEOUT, and the next one is answered', async () => {
    const alice = await signup(limited);
    const blocker = await connectSql(database.url);
    try {
      // Holding the table makes the search wait: without the cut it would wait for as long as the lock.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      expect(errorCode(await searchRaw(limited, alice, 'anything'))).toBe('TIMEOUT');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(errorCode(await searchRaw(limited, alice, 'anything'))).toBe('none');
  });

  it('counts searches per person: past SEARCHES_PER_USER_PER_MINUTE, RATE_LIMITED', async () => {
    const [alice, bob] = [await signup(limited), await signup(limited)];
    for (let index = 0; index < 3; index += 1)
      expect(errorCode(await searchRaw(limited, alice, 'x'))).toBe('none');
    expect(errorCode(await searchRaw(limited, alice, 'x'))).toBe('RATE_LIMITED');
    expect(errorCode(await searchRaw(limited, bob, 'x'))).toBe('none');
  });

  it('reads from DATABASE_REPLICA_URL when it is set', async () => {
    // A stand-in for a replica: a database of its own, holding what only it has.
    const replica = await createTestDatabase();
    await applyMigrations(replica.url);
    const onReplica = await startTestServer({
      databaseUrl: database.url,
      env: { DATABASE_REPLICA_URL: replica.url },
    });
    const replicaSql = await connectSql(replica.url);
    try {
      const alice = await signup(onReplica);
      await replicaSql.query(
        `WITH person AS (
           INSERT INTO users (id, username, username_key, email, password_hash) VALUES ($1, $2, $2, 'r@example.com', '!') RETURNING id
         ), conversation AS (
           INSERT INTO conversations (kind, title, last_seq) VALUES ('GROUP', 'replica', 1) RETURNING id
         ), member AS (
           INSERT INTO conversation_members (conversation_id, user_id) SELECT conversation.id, person.id FROM conversation, person
         )
         INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, sender_id, body)
         SELECT conversation.id, 1, 1, now(), person.id, 'written only on the replica' FROM conversation, person`,
        [Number(alice.id), alice.username.toLowerCase()],
      );
      expect(await foundOn(onReplica, alice, 'replica')).toEqual(['written only on the replica']);
      expect(await foundOn(server, alice, 'replica')).toEqual([]);
    } finally {
      await replicaSql.end();
      await onReplica.stop();
      await replica.drop();
    }
  });
});
