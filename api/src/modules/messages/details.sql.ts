import { statement } from '../../db/sql.ts';
import { messageColumns, type MessageRow } from '../timeline/timeline.sql.ts';

/** Each message's reactions, one row per emoji in order of first use, its people in the order they reacted. */
export const reactionsOf = statement<[messageIds: string[]], { messageId: string; emoji: string; userIds: number[] }>(
  'details.reactions',
  `SELECT message_id::text AS "messageId", emoji, array_agg(user_id ORDER BY created_at, user_id) AS "userIds"
   FROM reactions WHERE message_id = ANY($1::bigint[])
   GROUP BY message_id, emoji
   ORDER BY message_id, min(created_at), emoji`,
);

/** The members each message names as @username. */
export const namedMentionsOf = statement<[messageIds: string[]], { messageId: string; userIds: number[] }>(
  'details.mentions',
  `SELECT message_id::text AS "messageId", array_agg(user_id ORDER BY user_id) AS "userIds"
   FROM message_mentions WHERE message_id = ANY($1::bigint[]) AND named
   GROUP BY message_id`,
);

/** Each message's earlier texts, oldest first. */
export const revisionsOf = statement<[messageIds: string[]], { messageId: string; body: string; writtenAt: Date }>(
  'details.revisions',
  `SELECT message_id::text AS "messageId", body, written_at AS "writtenAt"
   FROM message_revisions WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, id`,
);

/** Messages by id, as they are now. */
export const messagesByIds = statement<[messageIds: string[]], MessageRow>(
  'details.messages',
  `SELECT ${messageColumns('x')} FROM messages x WHERE x.id = ANY($1::bigint[])`,
);
