import type pg from 'pg';
import type { ConversationKind, MemberRole } from '../../domain/conversations.ts';
import { badInput } from '../../domain/errors.ts';
import { decodeListCursor, encodeListCursor } from '../../domain/cursors.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import { messageFromJson } from '../timeline/timeline.sql.ts';
import { toView } from '../timeline/timeline.ts';
import {
  firstListPage,
  listPageAfter,
  memberIdsOf,
  membersOf,
  oneSummary,
  type SummaryRow,
} from './chat-list.sql.ts';

/** A conversation in the viewer's chat list. */
export interface ConversationView {
  id: number;
  kind: ConversationKind;
  /** A group's name; for a direct conversation the peer's username. */
  title: string;
  viewer: UserRef;
  /** A direct conversation's other person; null for a group. */
  peer: UserRef | null;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
  lastSeq: number;
  unreadCount: number;
  /** Unread messages that mention the viewer or everyone. */
  mentionCount: number;
  /** Null when the viewer has read nothing yet. */
  lastReadMessageId: string | null;
  lastMessage: MessageView | null;
  /** The viewer's notification choices: see `effectiveLevel` and `isMuted`. */
  notifications: Pick<SummaryRow, 'notificationLevel' | 'mutedUntil' | 'mutedForever'>;
}

export interface MemberView {
  user: UserRef;
  role: MemberRole;
  joinedAt: Date;
  /** Null when the member has read nothing yet, or when receipts are hidden between the two. */
  lastReadMessageId: string | null;
}

export interface ListArgs {
  first?: number | null;
  after?: string | null;
}

const DEFAULT_LIST_SIZE = 50;
const MAX_LIST_SIZE = 200;

/** The viewer's conversations with what the list shows of each, and their members. */
export class ChatList {
  constructor(
    private readonly pool: pg.Pool,
    private readonly users: UserDirectory,
    private readonly blocks: BlockService,
  ) {}

  /** The viewer's conversations by the time of their last message, newest first. */
  async list(
    viewer: UserRef,
    args: ListArgs,
  ): Promise<{ conversations: ConversationView[]; hasNextPage: boolean }> {
    const size = args.first ?? DEFAULT_LIST_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_LIST_SIZE)
      throw badInput('first', `first must be between 1 and ${MAX_LIST_SIZE}.`);
    const after = args.after == null ? null : decodeListCursor(args.after, 'after');
    const rows = after
      ? await listPageAfter(this.pool, viewer.id, size + 1, after.updatedAt, after.id)
      : await firstListPage(this.pool, viewer.id, size + 1);
    return {
      conversations: await this.toViews(viewer, rows.slice(0, size)),
      hasNextPage: rows.length > size,
    };
  }

  readonly cursorOf = encodeListCursor;

  /** One conversation of the viewer's, or null when the viewer is not a member. */
  async byId(viewer: UserRef, id: number): Promise<ConversationView | null> {
    const rows = await oneSummary(this.pool, viewer.id, 1, id);
    return (await this.toViews(viewer, rows))[0] ?? null;
  }

  private async toViews(viewer: UserRef, rows: readonly SummaryRow[]): Promise<ConversationView[]> {
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
        peer,
        memberCount: row.memberCount,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        lastSeq: row.lastSeq,
        unreadCount: row.unreadCount,
        mentionCount: row.mentionCount,
        lastReadMessageId: row.lastReadMessageId,
        lastMessage: last && toView({ viewer, peer }, messageFromJson(last), senders),
        notifications: {
          notificationLevel: row.notificationLevel,
          mutedUntil: row.mutedUntil,
          mutedForever: row.mutedForever,
        },
      };
    });
  }

  /**
   * The members of each conversation, oldest first, in two statements however
   * many conversations (a chat list's page asks for all of theirs). Read
   * positions follow the receipts setting both ways: hidden for someone who
   * does not share, hidden from a viewer who does not share, and hidden
   * between two people when either blocked the other; the viewer always sees
   * their own. Callers pass only conversations the viewer is a member of.
   */
  async members(viewer: UserRef, conversationIds: readonly number[]): Promise<Map<number, MemberView[]>> {
    const rows = await membersOf(this.pool, [...conversationIds]);
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
        lastReadMessageId: visible(row) ? row.lastRead : null,
      });
    }
    return byConversation;
  }

  /** The ids of a conversation's members. */
  async memberIds(conversationId: number): Promise<number[]> {
    return (await memberIdsOf(this.pool, conversationId)).map((row) => row.userId);
  }
}
