import { statement } from '../../db/sql.ts';

export interface ExportConversationRow {
  id: number;
  kind: 'DIRECT' | 'GROUP';
  title: string | null;
  members: string[];
}

export const exportProfile = statement<
  [userId: number],
  { username: string; displayName: string | null; email: string; createdAt: Date; shareReadReceipts: boolean; sharePresence: boolean; groupInvites: string }
>(
  'export.profile',
  `SELECT username, display_name AS "displayName", email, created_at AS "createdAt",
          share_read_receipts AS "shareReadReceipts", share_presence AS "sharePresence", group_invites::text AS "groupInvites"
   FROM users WHERE id = $1`,
);

/** The conversations the person is in, with their members' usernames. */
export const exportConversations = statement<[userId: number], ExportConversationRow>(
  'export.conversations',
  `SELECT c.id, c.kind, c.title,
          ARRAY(SELECT u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
                WHERE o.conversation_id = c.id ORDER BY o.joined_at, u.id) AS members
   FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
   WHERE m.user_id = $1 ORDER BY c.id`,
);

export interface ExportMessageRow {
  id: string;
  seq: number;
  kind: 'TEXT' | 'SYSTEM';
  sender: string;
  body: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  replyToId: string | null;
}

/** A page of a conversation's messages after `afterSeq`, oldest first. */
export const exportMessages = statement<[conversationId: number, afterSeq: number, limit: number], ExportMessageRow>(
  'export.messages',
  `SELECT m.id::text, m.seq, m.kind, u.username AS sender, m.body, m.created_at AS "createdAt",
          m.edited_at AS "editedAt", m.deleted_at AS "deletedAt", m.reply_to_id::text AS "replyToId"
   FROM messages m JOIN users u ON u.id = m.sender_id
   WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3`,
);
