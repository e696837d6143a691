import { isDriverAdapterError } from '@prisma/driver-adapter-utils';
import { LRUCache } from 'lru-cache';
import { Prisma } from '../generated/prisma/client.ts';
import type { Database } from '../db/client.ts';
import { messageToWire, userTopic } from '../events.ts';
import type { EventBus } from '../pubsub.ts';
import { decodeSeqCursor, encodeSeqCursor } from './cursors.ts';
import { AppError, badInput } from './errors.ts';
import type { RateLimits } from './rate-limits.ts';
import type { UserDirectory, UserRef } from './users.ts';
import { validateBody, validateClientId } from './validation.ts';

export interface MessageView {
  id: string;
  conversationId: number;
  /** Position in its conversation; seq order is commit order. */
  seq: number;
  body: string;
  clientId: string | null;
  createdAt: Date;
  sender: UserRef;
  receiver: UserRef;
}

/** A 1:1 conversation seen from one of its two people. */
export interface DirectConversation {
  id: number;
  viewer: UserRef;
  peer: UserRef;
}

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

export interface MessageLimits {
  maxBodyLength: number;
  /** Largest GraphQL page. */
  maxPageSize: number;
  /** Most messages in one compat history response. */
  maxHistory: number;
  /** Most message text, in UTF-8 bytes, in one compat history response (at least one message). */
  maxHistoryBytes: number;
}

const DEFAULT_PAGE_SIZE = 50;
/** Rows a compat history response reads per query: it stops at its size caps without loading the rest. */
const HISTORY_CHUNK = 500;
const CACHED_CONVERSATIONS = 100_000;
const emptyPage: MessagePage = { messages: [], hasPreviousPage: false, hasNextPage: false };

function checkPageSize(field: string, size: number, max: number) {
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw badInput(field, `${field} must be between 1 and ${max}.`);
}
const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

interface MessageRow {
  id: bigint;
  seq: number;
  senderId: number;
  body: string;
  clientId: string | null;
  createdAt: Date;
}

const messageColumns = {
  id: true,
  seq: true,
  senderId: true,
  body: true,
  clientId: true,
  createdAt: true,
} as const;

function toView(conversation: DirectConversation, row: MessageRow): MessageView {
  const fromViewer = row.senderId === conversation.viewer.id;
  return {
    id: row.id.toString(),
    conversationId: conversation.id,
    seq: row.seq,
    body: row.body,
    clientId: row.clientId,
    createdAt: row.createdAt,
    sender: fromViewer ? conversation.viewer : conversation.peer,
    receiver: fromViewer ? conversation.peer : conversation.viewer,
  };
}

/** Whether a raw query failed because this sender already stored a message with this clientId. */
function isClientIdTaken(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2010') return false;
  const driverError = (error.meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError;
  if (!isDriverAdapterError(driverError)) return false;
  const { cause } = driverError;
  return (
    cause.kind === 'UniqueConstraintViolation' &&
    cause.constraint !== undefined &&
    'index' in cause.constraint &&
    cause.constraint.index === 'messages_sender_id_client_id_key'
  );
}

export const messageCursor = (message: MessageView) => encodeSeqCursor(message.seq);

/** Sending and reading messages: the only place messages are written. */
export class MessageService {
  /** Direct conversations by their pair key: a pair's conversation never changes once made. */
  private readonly directIds = new LRUCache<string, number>({ max: CACHED_CONVERSATIONS });

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly users: UserDirectory,
    private readonly rateLimits: RateLimits,
    private readonly limits: MessageLimits,
  ) {}

  /** The conversation between the viewer and `peerName`, created on first use. */
  async openDirect(viewer: UserRef, peerName: string, field: string): Promise<DirectConversation> {
    const peer = await this.users.findPeer(viewer, peerName, field);
    const key = directKey(viewer.id, peer.id);
    let id = this.directIds.get(key);
    if (id === undefined) {
      id = await this.upsertDirect(key, viewer.id, peer.id);
      this.directIds.set(key, id);
    }
    return { id, viewer, peer };
  }

  private async upsertDirect(key: string, a: number, b: number): Promise<number> {
    const create = () =>
      this.db.conversation.upsert({
        where: { directKey: key },
        create: {
          kind: 'DIRECT',
          directKey: key,
          members: { createMany: { data: [{ userId: a }, { userId: b }] } },
        },
        update: {},
        select: { id: true },
      });
    // Two first messages racing both try to create; the loser finds the winner's row.
    const conversation = await create().catch(create);
    return conversation.id;
  }

  /**
   * Commits the message, then tells both people. One statement locks the
   * conversation row (the UPDATE), takes the next seq and the time under that
   * lock, and inserts: concurrent sends to one conversation commit in seq order,
   * with createdAt never earlier than the previous message's, so a resume cursor
   * never skips a row and times never go backwards. The clientId is checked
   * twice: NOT EXISTS answers a plain retry without taking the lock; a retry
   * racing the first copy fails the insert on the unique (sender, clientId)
   * index, which undoes the whole statement, the seq bump included.
   */
  async send(
    viewer: UserRef,
    to: string,
    rawBody: string,
    rawClientId?: string | null,
  ): Promise<MessageView> {
    const body = validateBody(rawBody, this.limits.maxBodyLength);
    const clientId = validateClientId(rawClientId);
    await this.rateLimits.consumeSend(viewer.id);
    const conversation = await this.openDirect(viewer, to, 'to');
    const inserted = await this.db.$queryRaw<MessageRow[]>`
      WITH bumped AS (
        UPDATE conversations
        SET last_seq = last_seq + 1, last_message_at = GREATEST(clock_timestamp(), last_message_at)
        WHERE id = ${conversation.id}
          AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = ${viewer.id} AND client_id = ${clientId})
        RETURNING id, last_seq, last_message_at
      )
      INSERT INTO messages (conversation_id, seq, sender_id, body, client_id, created_at)
      SELECT id, last_seq, ${viewer.id}, ${body}, ${clientId}, last_message_at FROM bumped
      RETURNING id, seq, sender_id AS "senderId", body, client_id AS "clientId", created_at AS "createdAt"`.catch(
      (error: unknown) => {
        if (isClientIdTaken(error)) return [];
        throw error;
      },
    );
    const row = inserted[0] ?? (await this.findRetried(conversation, clientId, body));
    const message = toView(conversation, row);
    // Published again on a retry too: that repairs a publish lost after the first commit.
    void this.publish(message);
    return message;
  }

  private async findRetried(conversation: DirectConversation, clientId: string | null, body: string) {
    const existing =
      clientId === null
        ? null
        : await this.db.message.findUnique({
            where: { senderId_clientId: { senderId: conversation.viewer.id, clientId } },
            select: { ...messageColumns, conversationId: true },
          });
    if (!existing) throw new Error(`conversation ${conversation.id} vanished during a send`);
    if (existing.conversationId !== conversation.id || existing.body !== body) {
      throw new AppError('CONFLICT', 'This clientId was already used for a different message.', {
        field: 'clientId',
      });
    }
    return existing;
  }

  private async publish(message: MessageView) {
    const event = messageToWire(message);
    await Promise.all([
      this.bus.publish(userTopic(message.sender.id), event),
      this.bus.publish(userTopic(message.receiver.id), event),
    ]);
  }

  /** A Relay page of the conversation, oldest first; without arguments the newest page. */
  async page(viewer: UserRef, peerName: string, args: PageArgs): Promise<MessagePage> {
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
    const conversation = await this.findDirect(viewer, peerName, 'peer');
    if (!conversation) return emptyPage;
    const forward = first != null || (afterSeq !== null && last == null);
    const size = (forward ? first : last) ?? DEFAULT_PAGE_SIZE;
    return this.readPage(conversation, { forward, size, afterSeq, beforeSeq });
  }

  /**
   * The newest `limit` messages before the message `beforeMessageId` (or the
   * newest of all), oldest first: the compat history endpoint's paging. Never
   * more than `maxHistory` messages or `maxHistoryBytes` of text; the older
   * rest is reachable with `beforeMessageId` (`hasPreviousPage`).
   */
  async history(
    viewer: UserRef,
    peerName: string,
    options: { limit?: number; beforeMessageId?: string },
  ): Promise<MessagePage> {
    const limit = options.limit ?? this.limits.maxHistory;
    checkPageSize('limit', limit, this.limits.maxHistory);
    const conversation = await this.findDirect(viewer, peerName, 'peer');
    if (!conversation) return emptyPage;
    let beforeSeq =
      options.beforeMessageId === undefined
        ? null
        : await this.seqOf(conversation, options.beforeMessageId, 'before');
    const rows: MessageRow[] = [];
    let bytes = 0;
    const page = (hasPreviousPage: boolean): MessagePage => ({
      messages: rows.reverse().map((row) => toView(conversation, row)),
      hasPreviousPage,
      hasNextPage: options.beforeMessageId !== undefined,
    });
    for (;;) {
      // One row past what may still fit shows whether older messages remain.
      const take = Math.min(HISTORY_CHUNK, limit - rows.length + 1);
      const chunk = await this.findRows(conversation, { forward: false, take, afterSeq: null, beforeSeq });
      for (const row of chunk) {
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

  /** The existing conversation with `peerName`, without creating one (reads must not write). */
  private async findDirect(
    viewer: UserRef,
    peerName: string,
    field: string,
  ): Promise<DirectConversation | null> {
    const peer = await this.users.findPeer(viewer, peerName, field);
    const key = directKey(viewer.id, peer.id);
    const cached = this.directIds.get(key);
    if (cached !== undefined) return { id: cached, viewer, peer };
    const existing = await this.db.conversation.findUnique({
      where: { directKey: key },
      select: { id: true },
    });
    if (!existing) return null;
    this.directIds.set(key, existing.id);
    return { id: existing.id, viewer, peer };
  }

  /** Up to `take` rows strictly between the two seqs, from the `afterSeq` end when `forward`. */
  private findRows(
    conversation: DirectConversation,
    range: { forward: boolean; take: number; afterSeq: number | null; beforeSeq: number | null },
  ): Promise<MessageRow[]> {
    const { forward, take, afterSeq, beforeSeq } = range;
    return this.db.message.findMany({
      where: {
        conversationId: conversation.id,
        seq: { ...(afterSeq !== null && { gt: afterSeq }), ...(beforeSeq !== null && { lt: beforeSeq }) },
      },
      orderBy: { seq: forward ? 'asc' : 'desc' },
      take,
      select: messageColumns,
    });
  }

  private async readPage(
    conversation: DirectConversation,
    range: { forward: boolean; size: number; afterSeq: number | null; beforeSeq: number | null },
  ): Promise<MessagePage> {
    const { forward, size, afterSeq, beforeSeq } = range;
    const rows = await this.findRows(conversation, { forward, take: size + 1, afterSeq, beforeSeq });
    const more = rows.length > size;
    const pageRows = rows.slice(0, size);
    if (!forward) pageRows.reverse();
    return {
      messages: pageRows.map((row) => toView(conversation, row)),
      hasPreviousPage: forward ? afterSeq !== null : more,
      hasNextPage: forward ? more : beforeSeq !== null,
    };
  }

  /** The messages after `seq`, oldest first: the backlog of a resuming stream. */
  async listAfter(conversation: DirectConversation, seq: number, limit: number): Promise<MessageView[]> {
    const rows = await this.db.message.findMany({
      where: { conversationId: conversation.id, seq: { gt: seq } },
      orderBy: { seq: 'asc' },
      take: limit,
      select: messageColumns,
    });
    return rows.map((row) => toView(conversation, row));
  }

  /** The seq of the conversation's newest message. */
  async headSeq(conversation: DirectConversation): Promise<number> {
    const { lastSeq } = await this.db.conversation.findUniqueOrThrow({
      where: { id: conversation.id },
      select: { lastSeq: true },
    });
    return lastSeq;
  }

  /** The seq of a message of this conversation, named by its id (a resume point). */
  async seqOf(conversation: DirectConversation, messageId: string, field: string): Promise<number> {
    if (!/^\d{1,18}$/.test(messageId)) throw badInput(field, 'This is not a message id.');
    const message = await this.db.message.findUnique({
      where: { id: BigInt(messageId) },
      select: { conversationId: true, seq: true },
    });
    if (!message || message.conversationId !== conversation.id) {
      throw badInput(field, 'This message is not part of the conversation.');
    }
    return message.seq;
  }
}
