import { statement } from '../../db/sql.ts';
import type { ConversationKind, MemberRole } from '../../domain/conversations.ts';
import type { NotificationLevel } from '../../domain/notifications.ts';
import { messageColumns, type JsonMessageRow } from '../timeline/timeline.sql.ts';

/** Unread counts stop counting here: a badge reads "9999+" long before anyone reads that far. */
export const MAX_UNREAD_COUNT = 9_999;

export interface SummaryRow {
  id: number;
  kind: ConversationKind;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastSeq: number;
  lastReadMessageId: string | null;
  /** The newest message, as JSON (`messageColumns`, its times as text). */
  lastMessage: JsonMessageRow | null;
  unreadCount: number;
  mentionCount: number;
  memberCount: number;
  peerId: number | null;
  peerName: string | null;
  /** The viewer's notification choices for it (see `domain/notifications.ts`). */
  notificationLevel: NotificationLevel | null;
  mutedUntil: Date | null;
  mutedForever: boolean;
}

/** A conversation is listed once it has a message, or from the start when it is a group. */
const LISTED = `(c.kind = 'GROUP' OR c.last_seq > 0)`;

/**
 * One statement for the list and for single conversations: the viewer's
 * membership (user_id index), the newest message by seq, the unread count
 * (capped) and a direct conversation's peer, each a lateral index lookup.
 * The page is chosen first (the viewer's memberships, sorted, cut), and only
 * its rows get the lateral look-ups: for someone in 2,000 conversations that
 * is 50 of each, not 2,000. $1 is the viewer, $2 the page size.
 */
const summaries = (condition: string) => `
  WITH page AS (
    SELECT c.id, c.kind, c.title, c.created_at, c.last_seq, c.last_deleted_seq,
           COALESCE(c.last_message_at, c.created_at) AS updated_at,
           m.last_read_seq, m.last_read_message_id, m.notification_level, m.muted_until, m.muted_forever
    FROM conversation_members m
    JOIN conversations c ON c.id = m.conversation_id
    WHERE m.user_id = $1 AND ${condition}
    ORDER BY updated_at DESC, c.id DESC
    LIMIT $2
  )
  SELECT page.id, page.kind, page.title, page.created_at AS "createdAt", page.updated_at AS "updatedAt",
         page.last_seq AS "lastSeq", page.last_read_message_id::text AS "lastReadMessageId",
         to_json(lm) AS "lastMessage",
         COALESCE(unread.count, LEAST(page.last_seq - page.last_read_seq, ${MAX_UNREAD_COUNT})) AS "unreadCount",
         mentioned.count AS "mentionCount",
         (SELECT count(*)::int FROM conversation_members WHERE conversation_id = page.id) AS "memberCount",
         peer.id AS "peerId", peer.username AS "peerName",
         page.notification_level AS "notificationLevel", page.muted_until AS "mutedUntil",
         page.muted_forever AS "mutedForever"
  FROM page
  LEFT JOIN LATERAL (
    SELECT ${messageColumns('x')} FROM messages x WHERE x.conversation_id = page.id AND x.seq = page.last_seq
  ) lm ON true
  -- Unread: text messages from others after the viewer's position, not deleted. A direct
  -- conversation holds only text, and a send moves its sender's read position to it: unless a
  -- message past the viewer's position was deleted, everything past it is unread, and the seqs
  -- count it. A group has timeline lines and newcomers' positions: its unread messages are counted.
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS count FROM (
      SELECT 1 FROM messages x
      WHERE (page.kind = 'GROUP' OR page.last_deleted_seq > page.last_read_seq)
        AND x.conversation_id = page.id AND x.seq > page.last_read_seq
        AND x.kind = 'TEXT' AND x.sender_id <> $1 AND x.deleted_at IS NULL
      LIMIT ${MAX_UNREAD_COUNT}) counted
    HAVING page.kind = 'GROUP' OR page.last_deleted_seq > page.last_read_seq
  ) unread ON true
  -- Unread messages that mention the viewer, by name or as everyone (a deletion takes its mentions).
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS count FROM (
      SELECT 1 FROM message_mentions
      WHERE user_id = $1 AND conversation_id = page.id AND seq > page.last_read_seq
      LIMIT ${MAX_UNREAD_COUNT}) counted
  ) mentioned ON true
  LEFT JOIN LATERAL (
    SELECT u.id, u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
    WHERE page.kind = 'DIRECT' AND o.conversation_id = page.id AND o.user_id <> $1
  ) peer ON true
  ORDER BY page.updated_at DESC, page.id DESC`;

export const firstListPage = statement<[viewerId: number, limit: number], SummaryRow>(
  'chat-list.first-page',
  summaries(LISTED),
);

/** The page after the keyset (updatedAt $3, id $4). */
export const listPageAfter = statement<[viewerId: number, limit: number, updatedAt: Date, id: number], SummaryRow>(
  'chat-list.page-after',
  summaries(`${LISTED} AND (COALESCE(c.last_message_at, c.created_at), c.id) < ($3, $4)`),
);

/** One conversation of the viewer's ($3), listed yet or not. */
export const oneSummary = statement<[viewerId: number, limit: number, conversationId: number], SummaryRow>(
  'chat-list.one',
  summaries('c.id = $3'),
);

export interface MemberRow {
  conversationId: number;
  id: number;
  username: string;
  role: MemberRole;
  joinedAt: Date;
  lastRead: string | null;
  shares: boolean;
}

/** The members of each conversation, oldest first, with their read positions and receipts setting. */
export const membersOf = statement<[conversationIds: number[]], MemberRow>(
  'chat-list.members',
  `SELECT m.conversation_id AS "conversationId", u.id, u.username, m.role, m.joined_at AS "joinedAt",
          m.last_read_message_id::text AS "lastRead", u.share_read_receipts AS shares
   FROM conversation_members m JOIN users u ON u.id = m.user_id
   WHERE m.conversation_id = ANY($1::int[])
   ORDER BY m.conversation_id, m.joined_at, u.id`,
);

export const memberIdsOf = statement<[conversationId: number], { userId: number }>(
  'chat-list.member-ids',
  'SELECT user_id AS "userId" FROM conversation_members WHERE conversation_id = $1',
);
