import { statement } from '../../db/sql.ts';

export interface ExportConversationRow {
  id: number;
  kind: 'DIRECT' | 'GROUP';
  title: string | null;
  members: string[];
}

export const exportProfile = statement<
  [userId: number],
  {
    username: string;
    displayName: string | null;
    email: string;
    createdAt: Date;
    shareReadReceipts: boolean;
    sharePresence: boolean;
    groupInvites: string;
    avatarId: string | null;
  }
>(
  'export.profile',
  `SELECT username, display_name AS "displayName", email, created_at AS "createdAt",
          share_read_receipts AS "shareReadReceipts", share_presence AS "sharePresence", group_invites::text AS "groupInvites",
          avatar_id::text AS "avatarId"
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
  attachments: ExportAttachment[];
}

/** A message's file: its bytes are in the zip at `exportPath` (see export.ts). */
export interface ExportAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

/** A page of a conversation's messages after `afterSeq`, oldest first. */
export const exportMessages = statement<[conversationId: number, afterSeq: number, limit: number], ExportMessageRow>(
  'export.messages',
  `SELECT m.id::text, m.seq, m.kind, u.username AS sender, m.body, m.created_at AS "createdAt",
          m.edited_at AS "editedAt", m.deleted_at AS "deletedAt", m.reply_to_id::text AS "replyToId",
          coalesce((SELECT json_agg(json_build_object('id', f.id, 'filename', f.filename, 'contentType', f.content_type,
                                                      'size', f.size) ORDER BY f.position)
                    FROM uploads f WHERE f.message_id = m.id AND f.status = 'READY'), '[]') AS attachments
   FROM messages m JOIN users u ON u.id = m.sender_id
   WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3`,
);

/** A page of a conversation's files after (`afterSeq`, `afterPosition`), in message order. */
export const exportFiles = statement<
  [conversationId: number, afterSeq: number, afterPosition: number, limit: number],
  ExportAttachment & { seq: number; position: number }
>(
  'export.files',
  `SELECT m.seq, f.position, f.id::text AS id, f.filename, f.content_type AS "contentType", f.size
   FROM messages m JOIN uploads f ON f.message_id = m.id
   WHERE m.conversation_id = $1 AND (m.seq, f.position) > ($2, $3) AND f.status = 'READY'
   ORDER BY m.seq, f.position LIMIT $4`,
);
