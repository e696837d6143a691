import pg from 'pg';
import type { ConversationRef } from '../../domain/conversations.ts';
import { AppError, badInput } from '../../domain/errors.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import { headlineRanges, mergeRanges, occurrences, type TextRange } from '../../domain/search-highlights.ts';
import { parseSearchQuery, termMatch, type SearchQuery } from '../../domain/search-query.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import { toView } from '../timeline/timeline.ts';
import {
  hasIndexedCondition,
  membershipsOf,
  searchRows,
  type SearchPosition,
  type SearchRow,
  type SearchStatement,
} from './search.sql.ts';

export interface SearchHit {
  message: MessageView;
  /** The matched parts of the body. */
  highlights: TextRange[];
}

export interface SearchPage {
  hits: SearchHit[];
  hasNextPage: boolean;
}

export interface SearchLimits {
  /** The largest page (`first`). */
  maxPageSize: number;
  defaultPageSize: number;
  /** A search that runs longer is cut: TIMEOUT. */
  timeoutMs: number;
}

/** The most highlights one hit carries: enough to show a snippet, bounded whatever the text. */
export const MAX_HIGHLIGHTS = 20;

/**
 * The most of the viewer's matches a capped read sorts itself; past it a search walks the newest
 * messages instead, which then fills a page soon.
 */
const CANDIDATE_CAP = 2_000;

const CURSOR_PATTERN = /^search:(\d{1,15}):(\d{1,19})$/;

export const encodeSearchCursor = (message: Pick<MessageView, 'createdAt' | 'id'>) =>
  Buffer.from(`search:${message.createdAt.getTime()}:${message.id}`).toString('base64url');

function decodeSearchCursor(cursor: string, field: string): SearchPosition {
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badInput(field, 'This cursor is not one the server gave out.');
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}

/** PostgreSQL's answer to a statement cut by statement_timeout. */
const isCancelled = (error: unknown) => error instanceof pg.DatabaseError && error.code === '57014';

/**
 * Message search: the current text of the live TEXT messages of the conversations the viewer
 * is a member of now, newest first. Reads on `pool` (a read replica when one is configured).
 */
export class MessageSearch {
  constructor(
    private readonly pool: pg.Pool,
    private readonly users: UserDirectory,
    private readonly rateLimits: RateLimits,
    private readonly limits: SearchLimits,
  ) {}

  /** Checks the arguments before anything is read, then counts the search against the person's rate. */
  async search(
    viewer: UserRef,
    text: string,
    conversation: ConversationRef | null,
    page: { first?: number | null; after?: string | null },
  ): Promise<SearchPage> {
    const query = parseSearchQuery(text);
    const size = page.first ?? this.limits.defaultPageSize;
    if (!Number.isInteger(size) || size < 1 || size > this.limits.maxPageSize)
      throw badInput('first', `first must be between 1 and ${this.limits.maxPageSize}.`);
    const after = page.after == null ? null : decodeSearchCursor(page.after, 'after');
    await this.rateLimits.consumeSearch(viewer.id);
    const rows = await this.rows({
      viewerId: viewer.id,
      conversationId: conversation?.id ?? null,
      memberOf: [],
      query,
      after,
      limit: size + 1,
    });
    const people = await this.users.byIds(
      rows.flatMap((row) => [row.senderId, ...(row.peerId === null ? [] : [row.peerId])]),
    );
    const hits = rows.slice(0, size).map(({ peerId, headline, ...row }) => ({
      message: toView({ viewer, peer: peerId === null ? null : (people.get(peerId) ?? null) }, row, people),
      highlights: highlights(row.body, headline, query),
    }));
    return { hits, hasNextPage: rows.length > size };
  }

  /**
   * A capped read first when an index can start it: rare words are answered from their index
   * entries alone. Only when they match more than `CANDIDATE_CAP` of the viewer's messages is the search common
   * enough for the newest-first walk to fill a page soon. The plan of each is fixed (PostgreSQL's
   * estimate for a LIKE on trigrams is a guess, and a wrong guess costs seconds), and both run
   * under the search's own time limit, so a slow one is cut rather than left running.
   */
  private async rows(input: SearchStatement): Promise<SearchRow[]> {
    const client = await this.pool.connect();
    try {
      await client.query(
        `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.ceil(this.limits.timeoutMs)}`,
      );
      let rows: SearchRow[] | null = null;
      if (input.conversationId === null) {
        const [memberships] = await membershipsOf(client, input.viewerId);
        input = { ...input, memberOf: memberships?.ids ?? [] };
      }
      if (hasIndexedCondition(input)) {
        await client.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off');
        const capped = await searchRows(client, input, { kind: 'capped', cap: CANDIDATE_CAP });
        if ((capped.candidates ?? CANDIDATE_CAP) < CANDIDATE_CAP) rows = capped.rows;
        else await client.query('SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on');
      }
      if (rows === null) {
        await client.query('SET LOCAL enable_bitmapscan = off');
        rows = (await searchRows(client, input, { kind: 'ordered' })).rows;
      }
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isCancelled(error))
        throw new AppError('TIMEOUT', 'This search took too long. Try fewer or rarer words, or narrow it.');
      throw error;
    } finally {
      client.release();
    }
  }
}

/** What a hit's body matched: each searched text wherever it occurs, and the words a stem matched. */
function highlights(body: string, headline: string | null, query: SearchQuery): TextRange[] {
  const found = query.include.flatMap((term) =>
    termMatch(term) === 'words' ? [] : occurrences(body, term.text),
  );
  if (headline !== null) found.push(...headlineRanges(body, headline));
  return mergeRanges(found).slice(0, MAX_HIGHLIGHTS);
}
