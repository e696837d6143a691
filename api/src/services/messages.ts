import pg from 'pg';
import { inTransaction, type Database } from '../db/client.ts';
import { messageToWire } from '../events.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { EventBus } from '../pubsub.ts';
import type { BlockService } from './blocks.ts';
import type { TypingService } from './typing.ts';
import type { ConversationRef, ConversationService } from './conversations.ts';
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
  kind: 'TEXT' | 'SYSTEM';
  body: string;
  clientId: string | null;
  createdAt: Date;
  sender: UserRef;
  /** The other person of a direct conversation; null in a group. */
  receiver: UserRef | null;
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

/** Where a send goes: exactly one of a person (direct) or a conversation. */
export interface SendTarget {
  to?: string | null;
  conversationId?: string | null;
}

/**
 * Where `writeMessage` runs its statement: a Prisma transaction (a membership
 * change's timeline line), or a pool connection by name, prepared once per connection.
 */
export type StatementRunner = (
  statement: { name: string; text: string },
  values: unknown[],
) => Promise<WrittenRow[]>;

export const inPrisma =
  (tx: Pick<Database, '$queryRawUnsafe'>): StatementRunner =>
  (statement, values) =>
    tx.$queryRawUnsafe<WrittenRow[]>(statement.text, ...values);

export const onConnection =
  (connection: pg.Pool | pg.PoolClient): StatementRunner =>
  async (statement, values) =>
    (await connection.query<WrittenRow>({ name: statement.name, text: statement.text, values })).rows;

const DEFAULT_PAGE_SIZE = 50;
/** Rows a compat history response reads per query: it stops at its size caps without loading the rest. */
const HISTORY_CHUNK = 500;
const emptyPage: MessagePage = { messages: [], hasPreviousPage: false, hasNextPage: false };

function checkPageSize(field: string, size: number, max: number) {
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw badInput(field, `${field} must be between 1 and ${max}.`);
}

export interface MessageRow {
  id: bigint;
  conversationId: number;
  seq: number;
  kind: 'TEXT' | 'SYSTEM';
  senderId: number;
  body: string;
  clientId: string | null;
  createdAt: Date;
}

const messageColumns = {
  id: true,
  conversationId: true,
  seq: true,
  kind: true,
  senderId: true,
  body: true,
  clientId: true,
  createdAt: true,
} as const;

/** A stored row as a message of `conversation`, whose members include `senders`. */
export function toView(
  conversation: ConversationRef,
  row: MessageRow,
  senders: ReadonlyMap<number, UserRef>,
): MessageView {
  const sender = senders.get(row.senderId) ?? { id: row.senderId, username: '' };
  const { peer, viewer } = conversation;
  return {
    id: row.id.toString(),
    conversationId: row.conversationId,
    seq: row.seq,
    kind: row.kind,
    body: row.body,
    clientId: row.clientId,
    createdAt: row.createdAt,
    sender,
    receiver: peer === null ? null : row.senderId === viewer.id ? peer : viewer,
  };
}

/** Whether a send failed because this sender already stored a message with this clientId. */
const isClientIdTaken = (error: unknown) =>
  error instanceof pg.DatabaseError &&
  error.code === UNIQUE_VIOLATION &&
  error.constraint === 'messages_sender_id_client_id_key';
const UNIQUE_VIOLATION = '23505';

/** Takes the conversation's row lock until the transaction ends: writes and membership changes take turns. */
export const LOCK_CONVERSATION = {
  name: 'lock-conversation',
  text: 'SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE',
};

/** What the write statement returns; node-postgres gives the id as text, Prisma as a bigint. */
type WrittenRow = Omit<MessageRow, 'id'> & { id: bigint | string; memberIds: number[] };

const WRITE_MESSAGE = {
  name: 'write-message',
  // $1 conversation, $2 whether the sender must be a member, $3 sender, $4 clientId, $5 direct peer,
  // $6 kind, $7 body.
  text: `
    WITH bumped AS (
      UPDATE conversations
      SET last_seq = last_seq + 1, last_message_at = GREATEST(clock_timestamp(), last_message_at)
      WHERE id = $1
        AND (NOT $2::boolean OR EXISTS (
          SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $3))
        AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = $3 AND client_id = $4::text)
        AND NOT EXISTS (
          SELECT 1 FROM blocks
          WHERE (blocker_id = $3 AND blocked_id = $5::integer) OR (blocker_id = $5::integer AND blocked_id = $3))
      RETURNING id, last_seq, last_message_at
    ), inserted AS (
      INSERT INTO messages (conversation_id, seq, kind, sender_id, body, client_id, created_at)
      SELECT id, last_seq, $6::message_kind, $3, $7::text, $4::text, last_message_at FROM bumped
      RETURNING id, conversation_id, seq, kind, sender_id, body, client_id, created_at
    ), read AS (
      UPDATE conversation_members AS m SET last_read_seq = inserted.seq, last_read_message_id = inserted.id
      FROM inserted
      WHERE inserted.kind = 'TEXT' AND m.conversation_id = inserted.conversation_id AND m.user_id = inserted.sender_id
    )
    SELECT id, conversation_id AS "conversationId", seq, kind, sender_id AS "senderId", body,
           client_id AS "clientId", created_at AS "createdAt",
           ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = $1) AS "memberIds"
    FROM inserted`,
};

/**
 * The one statement every message and timeline line is written with. Into a
 * group it runs in a transaction that holds `lockConversation` already: a
 * statement that waits for the lock itself keeps the snapshot it started with
 * (READ COMMITTED), so its membership check and member list would predate a
 * removal committed while it waited. A direct conversation's members never
 * change, and there the statement's own UPDATE takes the lock. It checks the sender is a member and the clientId is
 * new, takes the next seq and the time under that lock, and
 * inserts: concurrent sends to one conversation commit in seq order, with
 * createdAt never earlier than the previous message's, so a resume cursor
 * never skips a row and times never go backwards. A text message also moves
 * its sender's read position. A direct message is refused while either person
 * has blocked the other. It returns the members to tell, as of the lock.
 *
 * A retry racing the first copy fails the insert on the unique (sender,
 * clientId) index, which undoes the whole statement, the seq bump included:
 * the result is then null, as it is for a non-member, a block or a known clientId.
 */
export async function writeMessage(
  run: StatementRunner,
  message: {
    conversationId: number;
    sender: UserRef;
    kind: 'TEXT' | 'SYSTEM';
    body: string;
    clientId?: string | null;
    /** Off for the line that records someone leaving: they are no longer a member when it is written. */
    requireMember?: boolean;
    /** A direct conversation's other person: nothing is written while either has blocked the other. */
    directPeer?: number | null;
  },
): Promise<{ row: MessageRow; memberIds: number[] } | null> {
  const { conversationId, sender, kind, body } = message;
  const written = await run(WRITE_MESSAGE, [
    conversationId,
    message.requireMember ?? true,
    sender.id,
    message.clientId ?? null,
    message.directPeer ?? null,
    kind,
    body,
  ]).catch((error: unknown) => {
    if (isClientIdTaken(error)) return [];
    throw error;
  });
  const [first] = written;
  if (!first) return null;
  const { memberIds, id, ...row } = first;
  return { row: { ...row, id: BigInt(id) }, memberIds };
}

/** Tells every member, after the commit. Published again on a retry too: that repairs a lost publish. */
export function publishMessage(bus: EventBus, message: MessageView, memberIds: readonly number[]) {
  return bus.publishToUsers(memberIds, messageToWire(message));
}

export const messageCursor = (message: MessageView) => encodeSeqCursor(message.seq);

/** Sending and reading messages: the only place messages are written. */
export class MessageService {
  constructor(
    private readonly db: Database,
    /** The pool under `db`: sends run their statements on it by name, prepared once per connection. */
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly users: UserDirectory,
    private readonly conversations: ConversationService,
    private readonly blocks: BlockService,
    private readonly typing: TypingService,
    private readonly rateLimits: RateLimits,
    private readonly limits: MessageLimits,
  ) {}

  /** The conversation a send goes to: a person (created on first use) or a conversation of the viewer's. */
  async target(viewer: UserRef, target: SendTarget): Promise<ConversationRef> {
    const { to, conversationId } = target;
    if ((to == null) === (conversationId == null))
      throw badInput('to', 'Pass exactly one of to (a username) or conversationId.');
    return to != null
      ? this.conversations.openDirect(viewer, to, 'to')
      : this.conversations.sendTarget(viewer, conversationId!, 'conversationId');
  }

  /** Commits the message, then tells every member (see `writeMessage`). */
  async send(
    viewer: UserRef,
    target: SendTarget | ConversationRef,
    rawBody: string,
    rawClientId?: string | null,
  ): Promise<MessageView> {
    const body = validateBody(rawBody, this.limits.maxBodyLength);
    const clientId = validateClientId(rawClientId);
    await this.rateLimits.consumeSend(viewer.id);
    const conversation = 'kind' in target ? target : await this.target(viewer, target);
    const text = { conversationId: conversation.id, sender: viewer, kind: 'TEXT' as const, body, clientId };
    // A direct conversation's two people never change: the statement alone takes the lock. A
    // group's members do, so the lock is taken first and the statement sees who is in it now.
    const written =
      conversation.peer !== null
        ? await writeMessage(onConnection(this.pool), { ...text, directPeer: conversation.peer.id })
        : await inTransaction(this.pool, async (client) => {
            await client.query({ ...LOCK_CONVERSATION, values: [conversation.id] });
            return writeMessage(onConnection(client), text);
          });
    const senders = new Map([[viewer.id, viewer]]);
    if (written) {
      const message = toView(conversation, written.row, senders);
      void publishMessage(this.bus, message, written.memberIds);
      // Whoever sent a message has stopped typing it.
      this.typing.stopped(viewer, conversation.id);
      return message;
    }
    const message = toView(conversation, await this.findRetried(conversation, clientId, body), senders);
    void this.republish(message);
    return message;
  }

  /** The first copy of a retried send; CONFLICT when the clientId was used for something else. */
  private async findRetried(conversation: ConversationRef, clientId: string | null, body: string) {
    const existing =
      clientId === null
        ? null
        : await this.db.message.findUnique({
            where: { senderId_clientId: { senderId: conversation.viewer.id, clientId } },
            select: messageColumns,
          });
    if (!existing) {
      if (conversation.peer && (await this.blocks.between(conversation.viewer.id, conversation.peer.id)))
        throw new AppError(
          'FORBIDDEN',
          `You can't message ${conversation.peer.username}: one of you has blocked the other.`,
        );
      // No row and no retry: the viewer left (or was removed) between the access check and the write.
      throw new AppError('NOT_FOUND', 'There is no such conversation.', { field: 'conversationId' });
    }
    if (existing.conversationId !== conversation.id || existing.body !== body) {
      throw new AppError('CONFLICT', 'This clientId was already used for a different message.', {
        field: 'clientId',
      });
    }
    return existing;
  }

  private async republish(message: MessageView) {
    const members = await this.db.conversationMember.findMany({
      where: { conversationId: message.conversationId },
      select: { userId: true },
    });
    await publishMessage(
      this.bus,
      message,
      members.map((member) => member.userId),
    );
  }

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
    const rows = await this.findRows(conversation, { forward, take: size + 1, afterSeq, beforeSeq });
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
    const conversation = await this.conversations.findDirect(viewer, peerName, 'peer');
    if (!conversation) return emptyPage;
    let beforeSeq =
      options.beforeMessageId === undefined
        ? null
        : await this.seqOf(conversation, options.beforeMessageId, 'before');
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

  /**
   * Up to `take` rows strictly between the two seqs, from the `afterSeq` end
   * when `forward`; none once the viewer is no longer a member. The check is
   * here, in the read, because a stream opened while a member re-reads long
   * after (a gap, a Redis reconnect) and must not show a removed member what
   * was written since.
   */
  private findRows(
    conversation: ConversationRef,
    range: { forward: boolean; take: number; afterSeq: number | null; beforeSeq: number | null },
  ): Promise<MessageRow[]> {
    const { forward, take, afterSeq, beforeSeq } = range;
    // One raw statement: Prisma's relation filter for the membership compiled to a join through
    // conversations and cost more CPU than the index scan itself.
    return this.db.$queryRaw<MessageRow[]>`
      SELECT id, conversation_id AS "conversationId", seq, kind, sender_id AS "senderId", body,
             client_id AS "clientId", created_at AS "createdAt"
      FROM messages
      WHERE conversation_id = ${conversation.id}
        AND EXISTS (SELECT 1 FROM conversation_members
                    WHERE conversation_id = ${conversation.id} AND user_id = ${conversation.viewer.id})
        ${afterSeq === null ? Prisma.empty : Prisma.sql`AND seq > ${afterSeq}`}
        ${beforeSeq === null ? Prisma.empty : Prisma.sql`AND seq < ${beforeSeq}`}
      ORDER BY seq ${forward ? Prisma.sql`ASC` : Prisma.sql`DESC`}
      LIMIT ${take}`;
  }

  /** The messages after `seq`, oldest first: the backlog of a resuming stream. */
  async listAfter(conversation: ConversationRef, seq: number, limit: number): Promise<MessageView[]> {
    return this.views(
      conversation,
      await this.findRows(conversation, { forward: true, take: limit, afterSeq: seq, beforeSeq: null }),
    );
  }

  /** One message of a conversation the viewer is in, by its seq. */
  async bySeq(conversation: ConversationRef, seq: number): Promise<MessageView | null> {
    const row = await this.db.message.findUnique({
      where: { conversationId_seq: { conversationId: conversation.id, seq } },
      select: messageColumns,
    });
    return row ? ((await this.views(conversation, [row]))[0] ?? null) : null;
  }

  /**
   * Messages of every conversation the viewer is a member of, created after
   * `since`, ordered by (createdAt, conversation, seq) from the keyset `after`:
   * what a resuming `events` stream reads. The (conversation_id, created_at)
   * index makes it one range scan per conversation of the viewer's.
   */
  async listSince(
    viewer: UserRef,
    since: Date,
    after: { createdAt: Date; conversationId: number; seq: number } | null,
    limit: number,
    onlyConversation?: number,
  ): Promise<MessageView[]> {
    const rows = await this.db.$queryRaw<
      Array<MessageRow & { kindOf: 'DIRECT' | 'GROUP'; peerId: number | null }>
    >`
      SELECT x.id, x.conversation_id AS "conversationId", x.seq, x.kind, x.sender_id AS "senderId", x.body,
             x.client_id AS "clientId", x.created_at AS "createdAt", c.kind AS "kindOf",
             (SELECT o.user_id FROM conversation_members o
              WHERE c.kind = 'DIRECT' AND o.conversation_id = c.id AND o.user_id <> ${viewer.id}) AS "peerId"
      FROM conversation_members m
      JOIN conversations c ON c.id = m.conversation_id
      JOIN messages x ON x.conversation_id = m.conversation_id
      WHERE m.user_id = ${viewer.id} AND x.created_at > ${since}
        ${onlyConversation === undefined ? Prisma.empty : Prisma.sql`AND m.conversation_id = ${onlyConversation}`}
        ${after ? Prisma.sql`AND (x.created_at, x.conversation_id, x.seq) > (${after.createdAt}, ${after.conversationId}, ${after.seq})` : Prisma.empty}
      ORDER BY x.created_at, x.conversation_id, x.seq
      LIMIT ${limit}`;
    // Senders and direct peers in one look-up (cached people cost nothing).
    const people = await this.users.byIds(
      rows.flatMap((row) => [row.senderId, ...(row.peerId === null ? [] : [row.peerId])]),
    );
    return rows.map(({ kindOf, peerId, ...row }) =>
      toView(
        {
          id: row.conversationId,
          kind: kindOf,
          viewer,
          peer: peerId === null ? null : (people.get(peerId) ?? null),
        },
        row,
        people,
      ),
    );
  }

  /** The seq of the conversation's newest message. */
  async headSeq(conversation: ConversationRef): Promise<number> {
    const { lastSeq } = await this.db.conversation.findUniqueOrThrow({
      where: { id: conversation.id },
      select: { lastSeq: true },
    });
    return lastSeq;
  }

  /** The seq of a message of this conversation, named by its id (a resume point). */
  async seqOf(conversation: ConversationRef, messageId: string, field: string): Promise<number> {
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
