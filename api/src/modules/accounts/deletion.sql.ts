import { statement } from '../../db/sql.ts';

export const groupsOf = statement<[userId: number], { id: number }>(
  'deletion.groups-of',
  `SELECT m.conversation_id AS id FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
   WHERE m.user_id = $1 AND c.kind = 'GROUP'`,
);

/**
 * What is left of a deleted account: its id and username (never handed out again, and named in
 * old conversations), nothing to sign in with, no email, no blocks, no passkeys, no reset.
 */
export const markDeleted = statement<[userId: number, at: Date], { id: number }>(
  'deletion.mark',
  `WITH blocks AS (DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1),
        passkeys AS (DELETE FROM passkeys WHERE user_id = $1),
        resets AS (DELETE FROM password_resets WHERE user_id = $1)
   UPDATE users SET deleted_at = $2, email = '', password_hash = '!', display_name = NULL
   WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
);
