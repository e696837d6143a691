import { statement } from '../../db/sql.ts';
import type { MessageKind } from '../../domain/messages.ts';

/** A message as every statement reads it (see `messageColumns`). */
export interface MessageRow {
  id: string;
  conversationId: number;
  seq: number;
  streamSeq: number;
  streamAt: Date;
  version: number;
  kind: MessageKind;
  senderId: number;
  body: string;
  clientId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  replyToId: string | null;
  mentionsEveryone: boolean;
}

/** A `MessageRow` as `to_json` renders it: its times as ISO text. */
export type JsonMessageRow = Omit<MessageRow, 'streamAt' | 'createdAt' | 'editedAt' | 'deletedAt'> & {
  streamAt: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
};

export const messageFromJson = (json: JsonMessageRow): MessageRow => ({
  ...json,
  streamAt: new Date(json.streamAt),
  createdAt: new Date(json.createdAt),
  editedAt: json.editedAt === null ? null : new Date(json.editedAt),
  deletedAt: json.deletedAt === null ? null : new Date(json.deletedAt),
});

/** The one projection of a message row, `MessageRow`'s columns, read from the row alias `from`. */
export const messageColumns = (from: string) =>
  `${from}.id::text AS id, ${from}.conversation_id AS "conversationId", ${from}.seq,
   ${from}.stream_seq AS "streamSeq", ${from}.stream_at AS "streamAt", ${from}.version, ${from}.kind,
   ${from}.sender_id AS "senderId", ${from}.body, ${from}.client_id AS "clientId", ${from}.created_at AS "createdAt",
   ${from}.edited_at AS "editedAt", ${from}.deleted_at AS "deletedAt", ${from}.reply_to_id::text AS "replyToId",
   ${from}.mentions_everyone AS "mentionsEveryone"`;

/** Takes the conversation's row lock until the transaction ends: writes and membership changes take turns. */
export const lockConversation = statement<[conversationId: number], never>(
  'timeline.lock',
  'SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE',
);

/** The message written (all null when nothing was), and the conversation's members either way. */
export type WrittenRow = ({ [Column in keyof MessageRow]: MessageRow[Column] } | { [Column in keyof MessageRow]: null }) & {
  memberIds: number[];
  /** The members it names as @username. */
  mentionIds: number[];
  /** The sender's name to show as of the write (see `UserRef.displayName`). */
  senderName: string;
  /** A text that someone else in the conversation could get a push for (they have a subscription). */
  pushable: boolean;
};

/** See `writeMessage` in timeline.ts for what this statement guarantees. */
export const writeMessageRow = statement<
  [
    conversationId: number,
    requireMember: boolean,
    senderId: number,
    clientId: string | null,
    directPeer: number | null,
    kind: MessageKind,
    body: string,
    readers: number[],
    replyToId: string | null,
    mentionedKeys: string[],
    mentionsEveryone: boolean,
    attachmentIds: string[],
  ],
  WrittenRow
>(
  'timeline.write',
  `WITH stamp AS (SELECT clock_timestamp() AS now), bumped AS (
     UPDATE conversations
     SET last_seq = last_seq + 1, last_stream_seq = last_stream_seq + 1,
         last_message_at = GREATEST(stamp.now, last_event_at), last_event_at = GREATEST(stamp.now, last_event_at)
     FROM stamp
     WHERE id = $1
       AND (NOT $2::boolean OR EXISTS (
         SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $3))
       AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = $3 AND client_id = $4::text)
       AND NOT EXISTS (
         SELECT 1 FROM blocks
         WHERE (blocker_id = $3 AND blocked_id = $5::integer) OR (blocker_id = $5::integer AND blocked_id = $3))
       AND ($9::bigint IS NULL OR EXISTS (
         SELECT 1 FROM messages WHERE id = $9::bigint AND conversation_id = $1 AND deleted_at IS NULL))
     RETURNING conversations.id, last_seq, last_stream_seq, last_event_at
   ), inserted AS (
     INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, kind, sender_id, body, client_id, created_at,
                           reply_to_id, mentions_everyone)
     SELECT id, last_seq, last_stream_seq, last_event_at, $6::message_kind, $3, $7::text, $4::text, last_event_at,
            $9::bigint, $11::boolean
     FROM bumped
     RETURNING *
   ), read AS (
     UPDATE conversation_members AS m SET last_read_seq = inserted.seq, last_read_message_id = inserted.id
     FROM inserted
     WHERE m.conversation_id = inserted.conversation_id AND m.user_id = ANY($8::int[])
   ), mentioned AS (
     INSERT INTO message_mentions (message_id, user_id, conversation_id, seq, named)
     SELECT inserted.id, m.user_id, inserted.conversation_id, inserted.seq, u.username_key = ANY($10::text[])
     FROM inserted
     JOIN conversation_members m ON m.conversation_id = inserted.conversation_id AND m.user_id <> inserted.sender_id
     JOIN users u ON u.id = m.user_id
     WHERE $11::boolean OR u.username_key = ANY($10::text[])
     RETURNING user_id, named
   ), attached AS (
     UPDATE uploads SET message_id = inserted.id, position = array_position($12::uuid[], uploads.id) - 1
     FROM inserted WHERE uploads.id = ANY($12::uuid[])
   )
   SELECT ${messageColumns('inserted')},
          ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = $1) AS "memberIds",
          ARRAY(SELECT user_id FROM mentioned WHERE named ORDER BY user_id) AS "mentionIds",
          (SELECT coalesce(display_name, username) FROM users WHERE id = $3) AS "senderName",
          $6::message_kind = 'TEXT' AND EXISTS (
            SELECT 1 FROM push_subscriptions p
            JOIN conversation_members m ON m.conversation_id = $1 AND m.user_id = p.user_id
            WHERE p.user_id <> $3) AS pushable
   FROM (SELECT 1) AS always LEFT JOIN inserted ON true`,
);
