import type { Queryable } from '../../db/client.ts';
import { statement } from '../../db/sql.ts';
import { HEADLINE_START, HEADLINE_STOP } from '../../domain/search-highlights.ts';
import { termMatch, type SearchQuery, type SearchTerm } from '../../domain/search-query.ts';
import { messageColumns, type MessageRow } from '../timeline/timeline.sql.ts';

/** A result's place in newest-first order: the keyset of the search's cursor. */
export interface SearchPosition {
  createdAt: Date;
  id: string;
}

export interface SearchRow extends MessageRow {
  /** A direct conversation's other person; null in a group. */
  peerId: number | null;
  /** The body with the words the query's words and stems matched marked (`ts_headline`). */
  headline: string | null;
}

export interface SearchStatement {
  viewerId: number;
  /** Only this conversation, whose membership the caller checked. */
  conversationId: number | null;
  /**
   * Without `conversationId`: the conversations the viewer is a member of, read in the search's
   * transaction. Given as values, each row's check is one hash probe, made before its text is.
   */
  memberOf: number[];
  query: SearchQuery;
  after: SearchPosition | null;
  limit: number;
}

/**
 * How a search reads (see `MessageSearch.rows`):
 * - `capped`: every match of its indexed conditions (words, sender, dates, conversation), at most
 *   `cap` of them, from the indexes, then sorted: the way for rare words, whatever the table's size;
 * - `ordered`: the viewer's messages newest first, each checked, until the page is full: the way
 *   for common words and for none, whose first page comes from the newest few hundred rows.
 */
export type SearchStrategy = { kind: 'capped'; cap: number } | { kind: 'ordered' };

/** A link as the web client shows one. */
const LINK_PATTERN = String.raw`https?://[^\s<>"]`;

/**
 * The SQL that finds one term, each kind by the index made for it (see the migration
 * message_search): words and stems by `search_vector`, parts of words by the trigrams of
 * `search_text` (the body folded), Chinese, Japanese, Korean and emoji by `search_grams(body)` and then the
 * text itself. A word that is only a stop word ("is") finds everything: it is ignored.
 */
function termCondition(term: SearchTerm, param: string, strategy: SearchStrategy): string {
  const words = `plainto_tsquery('public.chat_search', ${param})`;
  const substring = `x.search_text LIKE search_pattern(${param})`;
  switch (termMatch(term)) {
    case 'words':
      return `(numnode(${words}) = 0 OR x.search_vector @@ ${words})`;
    case 'words-or-substring':
      return `(x.search_vector @@ ${words} OR ${substring})`;
    case 'substring':
      // The grams only lead into their index: a row walked is checked by its folded text alone.
      return strategy.kind === 'capped'
        ? `(search_grams(x.body) @> search_grams(${param}) AND ${substring})`
        : substring;
  }
}

/** Whether a capped read can start from an index: a word, a sender, a date or one conversation. */
export const hasIndexedCondition = (input: SearchStatement) =>
  input.query.include.length > 0 ||
  input.query.from.length > 0 ||
  input.query.after !== null ||
  input.query.before !== null ||
  input.conversationId !== null;

/**
 * The statement of one search: the viewer's live TEXT messages (of one conversation, or of every
 * conversation they are a member of now) that match, newest first after the keyset, at most
 * `limit`. Built for its query and planned for its values each time.
 */
export function searchStatement(
  input: SearchStatement,
  strategy: SearchStrategy,
): { text: string; values: unknown[] } {
  const values: unknown[] = [input.viewerId];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const { query } = input;
  const matching = [`x.kind = 'TEXT'`, `x.deleted_at IS NULL`];
  if (input.conversationId !== null) matching.push(`x.conversation_id = ${param(input.conversationId)}`);
  if (query.after) matching.push(`x.created_at >= ${param(query.after)}`);
  if (query.before) matching.push(`x.created_at < ${param(query.before)}`);
  if (query.from.length > 0) {
    matching.push(
      `x.sender_id IN (SELECT id FROM users WHERE username_key = ANY(${param(query.from)}::text[]))`,
    );
  }
  if (query.hasLink) matching.push(`x.body ~* ${param(LINK_PATTERN)}`);
  for (const term of query.include) matching.push(termCondition(term, param(term.text), strategy));
  for (const term of query.exclude) matching.push(`NOT ${termCondition(term, param(term.text), strategy)}`);

  if (input.conversationId === null) {
    // "+ 0": a check on each row read, never a way into an index (the walk goes by time).
    matching.push(`x.conversation_id + 0 = ANY(${param(input.memberOf)}::int[])`);
  }
  const visible: string[] = [];
  if (input.after) {
    visible.push(
      `(x.created_at, x.id) < (${param(input.after.createdAt)}, ${param(input.after.id)}::bigint)`,
    );
  }

  const stemmed = query.include.filter((term) => termMatch(term) !== 'substring');
  const headline =
    stemmed.length === 0
      ? 'NULL'
      : `ts_headline('public.chat_search', x.body,
           ${stemmed.map((term) => `plainto_tsquery('public.chat_search', ${param(term.text)})`).join(' || ')},
           ${param(`HighlightAll=true, StartSel=${HEADLINE_START}, StopSel=${HEADLINE_STOP}`)})`;
  const columns = `${messageColumns('x')},
    (SELECT o.user_id FROM conversation_members o JOIN conversations c ON c.id = o.conversation_id
     WHERE c.id = x.conversation_id AND c.kind = 'DIRECT' AND o.user_id <> $1) AS "peerId",
    ${headline} AS headline`;
  const where = (conditions: string[]) => (conditions.length === 0 ? 'true' : conditions.join('\n AND '));
  const limit = param(input.limit);

  if (strategy.kind === 'ordered') {
    const text = `
      SELECT ${columns}, NULL::int AS candidates
      FROM (
        SELECT x.* FROM messages x
        WHERE ${where([...matching, ...visible])}
        ORDER BY x.created_at DESC, x.id DESC
        LIMIT ${limit}
      ) x
      ORDER BY x.created_at DESC, x.id DESC`;
    return { text, values };
  }
  // Candidates are the viewer's matches, all of them when fewer than the cap (the keyset applies
  // after, so every page sorts the same set). One row at least, so their number comes back.
  const text = `
    WITH candidates AS MATERIALIZED (
      SELECT x.id FROM messages x WHERE ${where(matching)} LIMIT ${param(strategy.cap)}
    ), found AS (
      SELECT x.* FROM candidates JOIN messages x ON x.id = candidates.id
      WHERE ${where(visible)}
      ORDER BY x.created_at DESC, x.id DESC
      LIMIT ${limit}
    )
    SELECT ${columns}, (SELECT count(*) FROM candidates)::int AS candidates
    FROM (SELECT 1) AS always LEFT JOIN found x ON true
    ORDER BY x.created_at DESC, x.id DESC`;
  return { text, values };
}

export const membershipsOf = statement<[viewerId: number], { ids: number[] }>(
  'search.memberships',
  'SELECT coalesce(array_agg(conversation_id), ARRAY[]::int[]) AS ids FROM conversation_members WHERE user_id = $1',
);

export interface SearchRead {
  rows: SearchRow[];
  /** For a capped read: how many messages its indexed conditions matched, up to the cap. */
  candidates: number | null;
}

/** Runs a search's statement (unnamed: planned for its values). */
export async function searchRows(
  db: Queryable,
  input: SearchStatement,
  strategy: SearchStrategy,
): Promise<SearchRead> {
  const { rows } = await db.query<SearchRow & { candidates: number | null } & Record<string, unknown>>(
    searchStatement(input, strategy),
  );
  return {
    rows: rows.filter((row) => row.id !== null).map(({ candidates: _, ...row }) => row),
    candidates: rows[0]?.candidates ?? null,
  };
}
