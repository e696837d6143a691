import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import type { MembershipChange, UserWireEvent } from '../events.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { EventBus } from '../pubsub.ts';
import type { BlockService } from './blocks.ts';
import { AppError, badInput } from './errors.ts';
import {
  inPrisma,
  LOCK_CONVERSATION,
  publishMessage,
  toView,
  writeMessage,
  type MessageRow,
  type MessageView,
} from './messages.ts';
import type { UserDirectory, UserRef } from './users.ts';
import { refuseNul } from './validation.ts';

export type ConversationKind = 'DIRECT' | 'GROUP';
export type MemberRole = 'OWNER' | 'MEMBER';

/** A conversation as one of its members reaches it: what reads and writes need. */
export interface ConversationRef {
  id: number;
  kind: ConversationKind;
  viewer: UserRef;
  /** The other person of a direct conversation; null in a group. */
  peer: UserRef | null;
}

/** What never changes about a conversation once made. */
interface ConversationFacts {
  kind: ConversationKind;
  /** A direct conversation's two people; null for a group. */
  directMembers: number[] | null;
}

export interface DirectConversation extends ConversationRef {
  kind: 'DIRECT';
  peer: UserRef;
}

/** A conversation in the viewer's chat list. */
export interface ConversationView {
  id: number;
  kind: ConversationKind;
  /** A group's name; for a direct conversation the peer's username. */
  title: string;
  viewer: UserRef;
  createdAt: Date;
  updatedAt: Date;
  lastSeq: number;
  unreadCount: number;
  /** Null when the viewer has read nothing yet, or (for others) when receipts are private. */
  lastReadMessageId: string | null;
  lastMessage: MessageView | null;
}

export interface MemberView {
  user: UserRef;
  role: MemberRole;
  joinedAt: Date;
  lastReadMessageId: string | null;
}

export interface ConversationLimits {
  maxGroupMembers: number;
}

export interface ListArgs {
  first?: number | null;
  after?: string | null;
}

const CACHED_DIRECT_PAIRS = 100_000;
const MAX_TITLE_LENGTH = 100;
const DEFAULT_LIST_SIZE = 50;
const MAX_LIST_SIZE = 200;
/** Unread counts stop counting here: a badge reads "9999+" long before anyone reads that far. */
export const MAX_UNREAD_COUNT = 9_999;

const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

const notFound = (field: string) => new AppError('NOT_FOUND', 'There is no such conversation.', { field });

function validateTitle(title: string): string {
  const trimmed = refuseNul(title, 'title').trim();
  if (trimmed.length === 0 || [...trimmed].length > MAX_TITLE_LENGTH) {
    throw badInput('title', `A group's title is 1–${MAX_TITLE_LENGTH} characters.`);
  }
  return trimmed;
}

const names = (users: readonly UserRef[]) =>
  users.length <= 1
    ? (users[0]?.username ?? '')
    : `${users
        .slice(0, -1)
        .map((user) => user.username)
        .join(', ')} and ${users.at(-1)!.username}`;

interface ConversationRow {
  id: number;
  kind: ConversationKind;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastSeq: number;
  lastReadMessageId: bigint | null;
  lastMessage: Omit<MessageRow, 'conversationId'> | null;
  unreadCount: number;
  peerId: number | null;
  peerName: string | null;
}

/** Encodes the chat list's keyset position: (updatedAt, id), newest first. */
const encodeListCursor = (row: { updatedAt: Date; id: number }) =>
  Buffer.from(`list:${row.updatedAt.getTime()}:${row.id}`).toString('base64url');

function decodeListCursor(cursor: string): { updatedAt: Date; id: number } {
  const match = /^list:(\d{1,15}):(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badInput('after', 'This cursor is not one the server gave out.');
  return { updatedAt: new Date(Number(match[1])), id: Number(match[2]) };
}

/**
 * Conversations and who is in them: direct pairs, groups and their members,
 * read positions, and the chat list. Every membership change is one
 * transaction that locks the conversation row, changes the members and writes
 * the timeline's SYSTEM line, so it takes its place in seq order with the
 * messages around it.
 */
export class ConversationService {
  /** Direct conversations by their pair key: a pair's conversation never changes once made. */
  private readonly directIds = new LRUCache<string, number>({ max: CACHED_DIRECT_PAIRS });
  /** What never changes about a conversation: its kind and, if direct, its two people. */
  private readonly facts = new LRUCache<number, ConversationFacts>({ max: CACHED_DIRECT_PAIRS });

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly users: UserDirectory,
    private readonly blocks: BlockService,
    private readonly limits: ConversationLimits,
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
    return { id, kind: 'DIRECT', viewer, peer };
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

  /** The existing conversation with `peerName`, without creating one (reads must not write). */
  async findDirect(viewer: UserRef, peerName: string, field: string): Promise<DirectConversation | null> {
    const peer = await this.users.findPeer(viewer, peerName, field);
    const key = directKey(viewer.id, peer.id);
    const cached = this.directIds.get(key);
    if (cached !== undefined) return { id: cached, kind: 'DIRECT', viewer, peer };
    const existing = await this.db.conversation.findUnique({
      where: { directKey: key },
      select: { id: true },
    });
    if (!existing) return null;
    this.directIds.set(key, existing.id);
    return { id: existing.id, kind: 'DIRECT', viewer, peer };
  }

  /** The conversation `id` if the viewer is a member; NOT_FOUND otherwise (existence is not revealed). */
  async access(viewer: UserRef, id: string, field = 'conversationId'): Promise<ConversationRef> {
    const found = await this.tryAccess(viewer, id);
    if (!found) throw notFound(field);
    return found;
  }

  /**
   * The conversation a send names, from what never changes about it (cached):
   * a direct one's two people, or that it is a group. A group's membership
   * does change, and the write itself checks it under the conversation's lock
   * (see `writeMessage`), so a send needs no query of its own to check it.
   */
  async sendTarget(viewer: UserRef, id: string, field: string): Promise<ConversationRef> {
    if (!/^\d{1,9}$/.test(id)) throw notFound(field);
    const conversationId = Number(id);
    let facts = this.facts.get(conversationId);
    if (!facts) {
      const [row] = await this.db.$queryRaw<ConversationFacts[]>`
        SELECT kind, CASE WHEN kind = 'DIRECT'
          THEN ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = id) END AS "directMembers"
        FROM conversations WHERE id = ${conversationId}`;
      if (!row) throw notFound(field);
      facts = row;
      this.facts.set(conversationId, facts);
    }
    if (facts.kind === 'GROUP') return { id: conversationId, kind: 'GROUP', viewer, peer: null };
    const peerId = facts.directMembers!.find((member) => member !== viewer.id);
    if (peerId === undefined || !facts.directMembers!.includes(viewer.id)) throw notFound(field);
    const peer = (await this.users.byIds([peerId])).get(peerId);
    if (!peer) throw notFound(field);
    return { id: conversationId, kind: 'DIRECT', viewer, peer };
  }

  /** The conversation `id` if the viewer is a member; null otherwise. One statement, the peer included. */
  async tryAccess(viewer: UserRef, id: string): Promise<ConversationRef | null> {
    if (!/^\d{1,9}$/.test(id)) return null;
    const [row] = await this.db.$queryRaw<
      Array<{ kind: ConversationKind; peerId: number | null; peerName: string | null }>
    >`
      SELECT c.kind, peer.id AS "peerId", peer.username AS "peerName"
      FROM conversations c
      JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = ${viewer.id}
      LEFT JOIN LATERAL (
        SELECT u.id, u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
        WHERE c.kind = 'DIRECT' AND o.conversation_id = c.id AND o.user_id <> ${viewer.id}
      ) peer ON true
      WHERE c.id = ${Number(id)}`;
    if (!row) return null;
    const peer = row.peerId === null ? null : { id: row.peerId, username: row.peerName ?? '' };
    return { id: Number(id), kind: row.kind, viewer, peer };
  }

  /** The viewer's conversations by the time of their last message, newest first. */
  async list(
    viewer: UserRef,
    args: ListArgs,
  ): Promise<{ conversations: ConversationView[]; hasNextPage: boolean }> {
    const size = args.first ?? DEFAULT_LIST_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_LIST_SIZE)
      throw badInput('first', `first must be between 1 and ${MAX_LIST_SIZE}.`);
    const after = args.after == null ? null : decodeListCursor(args.after);
    const rows = await this.rows(
      viewer,
      after
        ? Prisma.sql`AND (COALESCE(c.last_message_at, c.created_at), c.id) < (${after.updatedAt}, ${after.id})`
        : Prisma.empty,
      size + 1,
    );
    return {
      conversations: await this.toViews(viewer, rows.slice(0, size)),
      hasNextPage: rows.length > size,
    };
  }

  listCursor = encodeListCursor;

  /** One conversation of the viewer's, or null when the viewer is not a member. */
  async byId(viewer: UserRef, id: number | string): Promise<ConversationView | null> {
    const conversationId = typeof id === 'number' ? id : /^\d{1,9}$/.test(id) ? Number(id) : null;
    if (conversationId === null) return null;
    const [row] = await this.rows(viewer, Prisma.sql`AND c.id = ${conversationId}`, 1, { listedOnly: false });
    return row ? ((await this.toViews(viewer, [row]))[0] ?? null) : null;
  }

  /**
   * One statement for the list and for single conversations: the viewer's
   * membership (user_id index), the newest message by seq, the unread count
   * (capped) and a direct conversation's peer, each a lateral index lookup.
   */
  private rows(viewer: UserRef, condition: Prisma.Sql, limit: number, options = { listedOnly: true }) {
    // The page is chosen first (the viewer's memberships, sorted, cut), and only its rows get
    // the lateral look-ups: for someone in 2,000 conversations that is 50 of each, not 2,000.
    return this.db.$queryRaw<ConversationRow[]>`
      WITH page AS (
        SELECT c.id, c.kind, c.title, c.created_at, c.last_seq,
               COALESCE(c.last_message_at, c.created_at) AS updated_at,
               m.last_read_seq, m.last_read_message_id
        FROM conversation_members m
        JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = ${viewer.id}
          ${options.listedOnly ? Prisma.sql`AND (c.kind = 'GROUP' OR c.last_seq > 0)` : Prisma.empty}
          ${condition}
        ORDER BY updated_at DESC, c.id DESC
        LIMIT ${limit}
      )
      SELECT page.id, page.kind, page.title, page.created_at AS "createdAt", page.updated_at AS "updatedAt",
             page.last_seq AS "lastSeq", page.last_read_message_id AS "lastReadMessageId",
             CASE WHEN lm.id IS NULL THEN NULL ELSE json_build_object(
               'id', lm.id::text, 'seq', lm.seq, 'kind', lm.kind, 'senderId', lm.sender_id, 'body', lm.body,
               'clientId', lm.client_id, 'createdAt', lm.created_at) END AS "lastMessage",
             COALESCE(unread.count, LEAST(page.last_seq - page.last_read_seq, ${MAX_UNREAD_COUNT})) AS "unreadCount",
             peer.id AS "peerId", peer.username AS "peerName"
      FROM page
      LEFT JOIN LATERAL (SELECT * FROM messages WHERE conversation_id = page.id AND seq = page.last_seq) lm ON true
      -- A direct conversation holds only text, and a send moves its sender's read position to it:
      -- everything past the viewer's position is unread, and the seqs count it. A group has
      -- timeline lines and newcomers' positions: its unread messages are counted.
      LEFT JOIN LATERAL (
        SELECT count(*)::int AS count FROM (
          SELECT 1 FROM messages x
          WHERE page.kind = 'GROUP' AND x.conversation_id = page.id AND x.seq > page.last_read_seq
            AND x.kind = 'TEXT' AND x.sender_id <> ${viewer.id}
          LIMIT ${MAX_UNREAD_COUNT}) counted
        HAVING page.kind = 'GROUP'
      ) unread ON true
      LEFT JOIN LATERAL (
        SELECT u.id, u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
        WHERE page.kind = 'DIRECT' AND o.conversation_id = page.id AND o.user_id <> ${viewer.id}
      ) peer ON true
      ORDER BY page.updated_at DESC, page.id DESC`;
  }

  private async toViews(viewer: UserRef, rows: readonly ConversationRow[]): Promise<ConversationView[]> {
    const senders = await this.users.byIds(
      rows.flatMap((row) => (row.lastMessage ? [row.lastMessage.senderId] : [])),
    );
    return rows.map((row) => {
      const peer = row.peerId === null ? null : { id: row.peerId, username: row.peerName ?? '' };
      const last = row.lastMessage;
      return {
        id: row.id,
        kind: row.kind,
        title: row.kind === 'GROUP' ? (row.title ?? '') : (row.peerName ?? ''),
        viewer,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        lastSeq: row.lastSeq,
        unreadCount: row.unreadCount,
        lastReadMessageId: row.lastReadMessageId?.toString() ?? null,
        lastMessage: last && {
          id: String(last.id),
          conversationId: row.id,
          seq: last.seq,
          kind: last.kind,
          body: last.body,
          clientId: last.clientId,
          createdAt: new Date(last.createdAt),
          sender: senders.get(last.senderId) ?? { id: last.senderId, username: '' },
          receiver: peer === null ? null : last.senderId === viewer.id ? peer : viewer,
        },
      };
    });
  }

  /**
   * The members of each conversation, oldest first, in two statements however
   * many conversations (a chat list's page asks for all of theirs). Read positions follow the receipts setting both
   * ways: hidden for someone who does not share, hidden from a viewer who does
   * not share, and hidden between two people when either blocked the other;
   * the viewer always sees their own.
   */
  async members(viewer: UserRef, conversationIds: readonly number[]): Promise<Map<number, MemberView[]>> {
    const rows = await this.db.$queryRaw<
      Array<{
        conversationId: number;
        id: number;
        username: string;
        role: MemberRole;
        joinedAt: Date;
        lastRead: bigint | null;
        shares: boolean;
      }>
    >`
      SELECT m.conversation_id AS "conversationId", u.id, u.username, m.role, m.joined_at AS "joinedAt",
             m.last_read_message_id AS "lastRead", u.share_read_receipts AS shares
      FROM conversation_members m JOIN users u ON u.id = m.user_id
      WHERE m.conversation_id = ANY(${conversationIds}::int[])
      ORDER BY m.conversation_id, m.joined_at, u.id`;
    const viewerShares = rows.find((row) => row.id === viewer.id)?.shares ?? false;
    const blocked = await this.blocks.blockedAmong(viewer.id, [...new Set(rows.map((row) => row.id))]);
    const visible = (row: (typeof rows)[number]) =>
      row.id === viewer.id || (viewerShares && row.shares && !blocked.has(row.id));
    const byConversation = new Map<number, MemberView[]>(conversationIds.map((id) => [id, []]));
    for (const row of rows) {
      byConversation.get(row.conversationId)!.push({
        user: { id: row.id, username: row.username },
        role: row.role,
        joinedAt: row.joinedAt,
        lastReadMessageId: visible(row) ? (row.lastRead?.toString() ?? null) : null,
      });
    }
    return byConversation;
  }

  /** The ids of a conversation's members. */
  async memberIds(conversationId: number): Promise<number[]> {
    const rows = await this.db.conversationMember.findMany({
      where: { conversationId },
      select: { userId: true },
    });
    return rows.map((row) => row.userId);
  }

  /** A group with the viewer as its owner and `usernames` as members; 2 to `maxGroupMembers` people. */
  async createGroup(
    viewer: UserRef,
    rawTitle: string,
    usernames: readonly string[],
  ): Promise<ConversationRef> {
    const title = validateTitle(rawTitle);
    const others = await this.resolveMembers(viewer, usernames, 'members');
    if (others.length === 0) throw badInput('members', 'A group needs at least one other member.');
    this.checkSize(others.length + 1, 'members');
    const { conversationId, line, memberIds } = await this.db.$transaction(async (tx) => {
      const { id } = await tx.conversation.create({
        data: {
          kind: 'GROUP',
          title,
          members: {
            createMany: {
              data: [
                { userId: viewer.id, role: 'OWNER' as const },
                ...others.map((user) => ({ userId: user.id, role: 'MEMBER' as const })),
              ],
            },
          },
        },
        select: { id: true },
      });
      const written = await this.writeLine(tx, {
        conversationId: id,
        sender: viewer,
        kind: 'SYSTEM',
        body: `${viewer.username} created the group "${title}" with ${names(others)}`,
      });
      return { conversationId: id, ...written };
    });
    await this.announce(memberIds, { type: 'conversation', conversationId });
    await publishMessage(this.bus, line, memberIds);
    return { id: conversationId, kind: 'GROUP', viewer, peer: null };
  }

  /**
   * Any member may add people to a group; people already in it are left as
   * they are. Newcomers' read position starts at the line that added them.
   */
  async addMembers(viewer: UserRef, id: string, usernames: readonly string[]): Promise<ConversationRef> {
    const conversation = await this.requireGroup(viewer, id);
    const candidates = await this.resolveMembers(viewer, usernames, 'usernames');
    const changed = await this.db.$transaction(async (tx) => {
      const current = await this.lockMembers(tx, conversation.id);
      const added = candidates.filter((user) => !current.has(user.id));
      if (added.length === 0) return null;
      this.checkSize(current.size + added.length, 'usernames');
      await tx.conversationMember.createMany({
        data: added.map((user) => ({ conversationId: conversation.id, userId: user.id })),
      });
      const written = await this.writeLine(tx, {
        conversationId: conversation.id,
        sender: viewer,
        kind: 'SYSTEM',
        body: `${viewer.username} added ${names(added)}`,
      });
      // Newcomers see the whole history, but unread starts where they came in.
      await tx.conversationMember.updateMany({
        where: { conversationId: conversation.id, userId: { in: added.map((user) => user.id) } },
        data: { lastReadSeq: written.line.seq, lastReadMessageId: BigInt(written.line.id) },
      });
      return { added, ...written };
    });
    if (changed) {
      for (const user of changed.added)
        await this.announceMembership(
          changed.memberIds,
          conversation.id,
          user,
          'ADDED',
          viewer,
          changed.line.seq,
        );
      await publishMessage(this.bus, changed.line, changed.memberIds);
    }
    return conversation;
  }

  /**
   * The owner removes anyone; anyone removes themself (leaves). When the owner
   * leaves, the longest-standing member becomes the owner.
   */
  async removeMember(viewer: UserRef, id: string, username: string): Promise<ConversationRef> {
    const conversation = await this.requireGroup(viewer, id);
    const target = await this.users.findByUsername(username, 'username');
    const leaving = target.id === viewer.id;
    const result = await this.db.$transaction(async (tx) => {
      const current = await this.lockMembers(tx, conversation.id);
      const actor = current.get(viewer.id);
      if (!actor) throw notFound('conversationId');
      if (!leaving && actor.role !== 'OWNER')
        throw new AppError('FORBIDDEN', 'Only the owner can remove people from this group.');
      const removed = current.get(target.id);
      if (!removed)
        throw new AppError('NOT_FOUND', `${target.username} is not in this group.`, { field: 'username' });
      await tx.conversationMember.delete({
        where: { conversationId_userId: { conversationId: conversation.id, userId: target.id } },
      });
      if (removed.role === 'OWNER') {
        const [successor] = [...current.values()]
          .filter((member) => member.userId !== target.id)
          .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || a.userId - b.userId);
        if (successor)
          await tx.conversationMember.update({
            where: { conversationId_userId: { conversationId: conversation.id, userId: successor.userId } },
            data: { role: 'OWNER' },
          });
      }
      return this.writeLine(tx, {
        conversationId: conversation.id,
        sender: viewer,
        kind: 'SYSTEM',
        body: leaving ? `${viewer.username} left` : `${viewer.username} removed ${target.username}`,
        requireMember: false,
      });
    });
    // The removed person hears of it too: their streams stop carrying the conversation.
    await this.announceMembership(
      [...result.memberIds, target.id],
      conversation.id,
      target,
      leaving ? 'LEFT' : 'REMOVED',
      leaving ? null : viewer,
      result.line.seq,
    );
    await publishMessage(this.bus, result.line, result.memberIds);
    return conversation;
  }

  /** Only the owner renames a group. */
  async rename(viewer: UserRef, id: string, rawTitle: string): Promise<ConversationRef> {
    const conversation = await this.requireGroup(viewer, id);
    const title = validateTitle(rawTitle);
    const written = await this.db.$transaction(async (tx) => {
      const current = await this.lockMembers(tx, conversation.id);
      if (current.get(viewer.id)?.role !== 'OWNER')
        throw new AppError('FORBIDDEN', 'Only the owner can rename this group.');
      await tx.conversation.update({ where: { id: conversation.id }, data: { title } });
      return this.writeLine(tx, {
        conversationId: conversation.id,
        sender: viewer,
        kind: 'SYSTEM',
        body: `${viewer.username} renamed the group to "${title}"`,
      });
    });
    await this.announce(written.memberIds, { type: 'conversation', conversationId: conversation.id });
    await publishMessage(this.bus, written.line, written.memberIds);
    return conversation;
  }

  /**
   * Moves the viewer's read position forward to `messageId` (never back: a
   * mark behind it changes nothing). The other members hear of it unless
   * either side keeps receipts private; the viewer's other tabs always do.
   */
  async markRead(viewer: UserRef, id: string, messageId: string): Promise<ConversationRef> {
    const conversation = await this.access(viewer, id);
    if (!/^\d{1,18}$/.test(messageId)) throw badInput('messageId', 'This is not a message id.');
    const moved = await this.db.$queryRaw<Array<{ shares: boolean }>>`
      UPDATE conversation_members m
      SET last_read_seq = x.seq, last_read_message_id = x.id
      FROM messages x, users u
      WHERE x.id = ${BigInt(messageId)} AND x.conversation_id = ${conversation.id}
        AND m.conversation_id = ${conversation.id} AND m.user_id = ${viewer.id} AND m.last_read_seq < x.seq
        AND u.id = ${viewer.id}
      RETURNING u.share_read_receipts AS shares`;
    if (moved.length === 0) {
      const exists = await this.db.message.count({
        where: { id: BigInt(messageId), conversationId: conversation.id },
      });
      if (exists === 0) throw badInput('messageId', 'This message is not part of the conversation.');
      return conversation;
    }
    const event: UserWireEvent = {
      type: 'read',
      conversationId: conversation.id,
      user: viewer,
      lastReadMessageId: messageId,
    };
    const recipients = moved[0]!.shares
      ? await this.db.$queryRaw<Array<{ id: number }>>`
          SELECT m.user_id AS id FROM conversation_members m JOIN users u ON u.id = m.user_id
          WHERE m.conversation_id = ${conversation.id} AND (u.share_read_receipts OR m.user_id = ${viewer.id})`
      : [{ id: viewer.id }];
    const blocked = await this.blocks.blockedAmong(
      viewer.id,
      recipients.map((recipient) => recipient.id),
    );
    await this.announce(
      recipients.map((recipient) => recipient.id).filter((id) => !blocked.has(id)),
      event,
    );
    return conversation;
  }

  /** A SYSTEM line in the timeline, written inside the change's transaction. */
  private async writeLine(
    tx: Prisma.TransactionClient,
    line: { conversationId: number; sender: UserRef; kind: 'SYSTEM'; body: string; requireMember?: boolean },
  ): Promise<{ line: MessageView; memberIds: number[] }> {
    const written = await writeMessage(inPrisma(tx), line);
    if (!written) throw notFound('conversationId');
    const conversation = { id: line.conversationId, kind: 'GROUP' as const, viewer: line.sender, peer: null };
    return {
      memberIds: written.memberIds,
      line: toView(conversation, written.row, new Map([[line.sender.id, line.sender]])),
    };
  }

  private async requireGroup(viewer: UserRef, id: string): Promise<ConversationRef> {
    const conversation = await this.access(viewer, id);
    if (conversation.kind !== 'GROUP')
      throw badInput('conversationId', 'A direct conversation has exactly its two people.');
    return conversation;
  }

  /** The members, read under the conversation row's lock: membership changes take turns with sends. */
  private async lockMembers(tx: Prisma.TransactionClient, conversationId: number) {
    await tx.$queryRawUnsafe(LOCK_CONVERSATION.text, conversationId);
    const rows = await tx.conversationMember.findMany({
      where: { conversationId },
      select: { userId: true, role: true, joinedAt: true },
    });
    return new Map(rows.map((row) => [row.userId, row]));
  }

  /** The people named, without the viewer; someone who blocked the viewer cannot be added by them. */
  private async resolveMembers(viewer: UserRef, usernames: readonly string[], field: string) {
    if (usernames.length > this.limits.maxGroupMembers)
      throw badInput(field, `A group has at most ${this.limits.maxGroupMembers} members.`);
    const found = new Map<number, UserRef>();
    for (const username of usernames) {
      const user = await this.users.findByUsername(username, field);
      if (user.id !== viewer.id) found.set(user.id, user);
    }
    const [blocker] = await this.blocks.blockersOf(viewer.id, [...found.keys()]);
    if (blocker !== undefined)
      throw new AppError('FORBIDDEN', `You can't add ${found.get(blocker)!.username} to a group.`, { field });
    return [...found.values()];
  }

  private checkSize(size: number, field: string) {
    if (size > this.limits.maxGroupMembers)
      throw badInput(field, `A group has at most ${this.limits.maxGroupMembers} members.`);
  }

  private announceMembership(
    recipients: readonly number[],
    conversationId: number,
    user: UserRef,
    change: MembershipChange,
    by: UserRef | null,
    seq: number,
  ) {
    return this.announce(recipients, {
      type: 'membership',
      conversationId,
      user: { id: user.id, username: user.username },
      change,
      by: by && { id: by.id, username: by.username },
      seq,
    });
  }

  private async announce(recipients: readonly number[], event: UserWireEvent) {
    await this.bus.publishToUsers([...new Set(recipients)], event);
  }
}
