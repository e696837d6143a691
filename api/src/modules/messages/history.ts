import type pg from 'pg';
import type { ConversationRef, DirectConversation } from '../../domain/conversations.ts';
import { badInput } from '../../domain/errors.ts';
import { decodeSeqCursor } from '../../domain/cursors.ts';
import { messageIdOf } from '../../domain/ids.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import type { MessageRow } from '../timeline/timeline.sql.ts';
import { toView } from '../timeline/timeline.ts';
import {
  conversationMessagesSince,
  headSeq,
  messageBySeq,
  messagePosition,
  messagesSince,
  newestBetween,
  NO_SEQ_BOUND,
  oldestBetween,
} from './messages.sql.ts';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface MessagePage {
  messages: MessageView[];
  hasPreviousPage: boolean;
  hasNextPage: boolean;
}

export interface HistoryLimits {
  /** Largest GraphQL page. */
  maxPageSize: number;
  /** Most messages in one compat history response. */
  maxHistory: number;
  /** Most message text, in UTF-8 bytes, in one compat history response (at least one message). */
  maxHistoryBytes: number;
}

/** A position in the merged log of all the viewer's conversations (see `MergedLogStream`). */
export interface LogPosition {
  streamAt: Date;
  conversationId: number;
  streamSeq: number;
}

const DEFAULT_PAGE_SIZE = 50;
/** Rows a compat history response reads per query: it stops at its size caps without loading the rest. */
const HISTORY_CHUNK = 500;
const emptyPage: MessagePage = { messages: [], hasPreviousPage: false, hasNextPage: false };

function checkPageSize(field: string, size: number, max: number) {
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw badInput(field, `${field} must be between 1 and ${max}.`);
}

/**
 * Reading messages: history pages, the compat history, and the backlog of resuming streams. Pages
 * are read from `pagesPool` (a read replica when one is configured: a page may lag the primary by
 * the replica's delay); everything a stream or a resume point depends on reads the primary.
 */
export class MessageHistory {
  constructor(
    private readonly pool: pg.Pool,
    private readonly pagesPool: pg.Pool,
    private readonly users: UserDirectory,
    private readonly limits: HistoryLimits,
  ) {}

  /** A Relay page of the conversation, oldest first; without arguments the newest page. */
  async page(conversation: ConversationRef | null, args: PageArgs): Promise<MessagePage> {
    const { first, last } = args;
    if (first != null && last != null) throw badInput('first', 'Pass either first or last, not both.');
    for (const [field, size] of [
      ['first', first],
      ['last', last],
    ] as const) {
      if (size != null) checkPageSize(field, size, this.limits.maxPageSize);
    }
    const afterSeq = args.after == null ? null : decodeSeqCursor(args.after, 'after');
    const beforeSeq = args.before == null ? null : decodeSeqCursor(args.before, 'before');
    if (!conversation) return emptyPage;
    const forward = first != null || (afterSeq !== null && last == null);
    const size = (forward ? first : last) ?? DEFAULT_PAGE_SIZE;
    const rows = await this.rows(this.pagesPool, conversation, { forward, take: size + 1, afterSeq, beforeSeq });
    const more = rows.length > size;
    const pageRows = rows.slice(0, size);
    if (!forward) pageRows.reverse();
    return {
      messages: await this.views(conversation, pageRows),
      hasPreviousPage: forward ? afterSeq !== null : more,
      hasNextPage: forward ? more : beforeSeq !== null,
    };
  }

  /**
   * The newest `limit` messages before the message `beforeMessageId` (or the
   * newest of all), oldest first, deleted ones left out: the compat history endpoint's paging. Never
   * more than `maxHistory` messages or `maxHistoryBytes` of text; the older
   * rest is reachable with `beforeMessageId` (`hasPreviousPage`).
   */
  async history(
    conversation: DirectConversation | null,
    options: { limit?: number; beforeMessageId?: string },
  ): Promise<MessagePage> {
    const limit = options.limit ?? this.limits.maxHistory;
    checkPageSize('limit', limit, this.limits.maxHistory);
    if (!conversation) return emptyPage;
    let beforeSeq =
      options.beforeMessageId === undefined ? null : await this.seqOf(conversation, options.beforeMessageId, 'before');
    const rows: MessageRow[] = [];
    let bytes = 0;
    const page = async (hasPreviousPage: boolean): Promise<MessagePage> => ({
      messages: await this.views(conversation, rows.reverse()),
      hasPreviousPage,
      hasNextPage: options.beforeMessageId !== undefined,
    });
    for (;;) {
      // One row past what may still fit shows whether older messages remain.
      const take = Math.min(HISTORY_CHUNK, limit - rows.length + 1);
      const chunk = await this.rows(this.pagesPool, conversation, { forward: false, take, afterSeq: null, beforeSeq });
      for (const row of chunk) {
        if (row.deletedAt !== null) continue;
        const size = Buffer.byteLength(row.body);
        if (rows.length === limit || (rows.length > 0 && bytes + size > this.limits.maxHistoryBytes))
          return page(true);
        rows.push(row);
        bytes += size;
      }
      if (chunk.length < take) return page(false);
      beforeSeq = chunk.at(-1)!.seq;
    }
  }

  /** The messages after `seq`, oldest first: the backlog of a resuming stream. */
  async listAfter(conversation: ConversationRef, seq: number, limit: number): Promise<MessageView[]> {
    return this.views(
      conversation,
      await this.rows(this.pool, conversation, { forward: true, take: limit, afterSeq: seq, beforeSeq: null }),
    );
  }

  /** One message of a conversation the viewer is in, by its seq. */
  async bySeq(conversation: ConversationRef, seq: number): Promise<MessageView | null> {
    const [row] = await messageBySeq(this.pool, conversation.id, seq);
    return row ? ((await this.views(conversation, [row]))[0] ?? null) : null;
  }

  /** One message of a conversation the viewer is in, by its id; null when it is not one of its messages. */
  async byId(conversation: ConversationRef, messageId: string): Promise<MessageView | null> {
    if (messageIdOf(messageId) === null) return null;
    const [position] = await messagePosition(this.pool, messageId);
    return position?.conversationId === conversation.id ? this.bySeq(conversation, position.seq) : null;
  }

  /** The seq of the conversation's newest message. */
  async headSeq(conversation: ConversationRef): Promise<number> {
    const [row] = await headSeq(this.pool, conversation.id);
    return row?.lastSeq ?? 0;
  }

  /** The seq of a message of this conversation, named by its id (a resume point). */
  async seqOf(conversation: ConversationRef, messageId: string, field: string): Promise<number> {
    if (messageIdOf(messageId) === null) throw badInput(field, 'This is not a message id.');
    const [position] = await messagePosition(this.pool, messageId);
    if (!position || position.conversationId !== conversation.id) {
      throw badInput(field, 'This message is not part of the conversation.');
    }
    return position.seq;
  }

  /**
   * The latest states of the messages of every conversation the viewer is a
   * member of (or of one), written or changed after `since`, in log order from
   * the keyset `after`: what a resuming `events` stream reads.
   */
  async listSince(
    viewer: UserRef,
    since: Date,
    after: LogPosition | null,
    limit: number,
    onlyConversation?: number,
  ): Promise<MessageView[]> {
    // Without a keyset, every row after `since`: (since, max, max) is before all of them.
    const { streamAt, conversationId, streamSeq } = after ?? {
      streamAt: since,
      conversationId: NO_SEQ_BOUND,
      streamSeq: NO_SEQ_BOUND,
    };
    const params = [viewer.id, since, streamAt, conversationId, streamSeq, limit] as const;
    const rows =
      onlyConversation === undefined
        ? await messagesSince(this.pool, ...params)
        : await conversationMessagesSince(this.pool, ...params, onlyConversation);
    // Senders and direct peers in one look-up (cached people cost nothing).
    const people = await this.users.byIds(
      rows.flatMap((row) => [row.senderId, ...(row.peerId === null ? [] : [row.peerId])]),
    );
    return rows.map(({ peerId, ...row }) =>
      toView({ viewer, peer: peerId === null ? null : (people.get(peerId) ?? null) }, row, people),
    );
  }

  /** Rows as messages: a direct conversation knows its two people; a group's senders come from the cache. */
  private async views(conversation: ConversationRef, rows: readonly MessageRow[]): Promise<MessageView[]> {
    const { viewer, peer } = conversation;
    const senders =
      peer !== null
        ? new Map([
            [viewer.id, viewer],
            [peer.id, peer],
          ])
        : await this.users.byIds(rows.map((row) => row.senderId));
    return rows.map((row) => toView(conversation, row, senders));
  }

  /** Up to `take` rows strictly between the two seqs, from the `afterSeq` end when `forward`. */
  private rows(
    db: pg.Pool,
    conversation: ConversationRef,
    range: { forward: boolean; take: number; afterSeq: number | null; beforeSeq: number | null },
  ): Promise<MessageRow[]> {
    const read = range.forward ? oldestBetween : newestBetween;
    return read(
      db,
      conversation.id,
      conversation.viewer.id,
      range.afterSeq ?? 0,
      range.beforeSeq ?? NO_SEQ_BOUND,
      range.take,
    );
  }
}
