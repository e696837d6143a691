import { statement } from '../../db/sql.ts';

/** Moves the viewer's read position forward to the message; no row when it is not ahead of it. */
export const moveReadPosition = statement<
  [messageId: string, conversationId: number, viewerId: number],
  { shares: boolean }
>(
  'read-positions.move',
  `UPDATE conversation_members m
   SET last_read_seq = x.seq, last_read_message_id = x.id
   FROM messages x, users u
   WHERE x.id = $1::bigint AND x.conversation_id = $2
     AND m.conversation_id = $2 AND m.user_id = $3 AND m.last_read_seq < x.seq
     AND u.id = $3
   RETURNING u.share_read_receipts AS shares`,
);

export const messageInConversation = statement<[messageId: string, conversationId: number], { found: 1 }>(
  'read-positions.message-in-conversation',
  'SELECT 1 AS found FROM messages WHERE id = $1::bigint AND conversation_id = $2',
);

/** The members who see receipts (the viewer always sees their own). */
export const receiptReaders = statement<[conversationId: number, viewerId: number], { id: number }>(
  'read-positions.readers',
  `SELECT m.user_id AS id FROM conversation_members m JOIN users u ON u.id = m.user_id
   WHERE m.conversation_id = $1 AND (u.share_read_receipts OR m.user_id = $2)`,
);

/**
 * How many people besides its sender have read each message (the viewer's view: people who share
 * read receipts, neither blocked by nor blocking the viewer), members now or departed since; no row
 * for a message nobody has read.
 */
export const readCounts = statement<[messageIds: string[], viewerId: number], { messageId: string; readers: number }>(
  'read-positions.read-counts',
  `SELECT x.id::text AS "messageId", count(*)::int AS readers
   FROM messages x
   JOIN (
     SELECT conversation_id, user_id, last_read_seq FROM conversation_members
     UNION ALL
     SELECT d.conversation_id, d.user_id, d.last_read_seq FROM departed_readers d
     WHERE NOT EXISTS (
       SELECT 1 FROM conversation_members m WHERE m.conversation_id = d.conversation_id AND m.user_id = d.user_id)
   ) r ON r.conversation_id = x.conversation_id AND r.last_read_seq >= x.seq AND r.user_id <> x.sender_id
   JOIN users u ON u.id = r.user_id AND u.share_read_receipts
   WHERE x.id = ANY($1::bigint[])
     AND NOT EXISTS (
       SELECT 1 FROM blocks b
       WHERE (b.blocker_id = $2 AND b.blocked_id = r.user_id) OR (b.blocker_id = r.user_id AND b.blocked_id = $2))
   GROUP BY x.id`,
);

export const viewerShares = statement<[userId: number], { shares: boolean }>(
  'read-positions.viewer-shares',
  'SELECT share_read_receipts AS shares FROM users WHERE id = $1',
);
