import { statement } from '../../db/sql.ts';

/** To the minute, and written at most once a minute however often someone comes and goes. */
export const markLastSeen = statement<[userId: number], { lastSeenAt: Date | null }>(
  'presence.mark-last-seen',
  `WITH marked AS (
     UPDATE users SET last_seen_at = date_trunc('minute', now())
     WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < date_trunc('minute', now()))
     RETURNING last_seen_at
   )
   SELECT COALESCE((SELECT last_seen_at FROM marked), (SELECT last_seen_at FROM users WHERE id = $1))
     AS "lastSeenAt"`,
);

/** The people who share a conversation with the user, where both share presence and neither blocked the other. */
export const presenceWatchers = statement<[userId: number], { id: number }>(
  'presence.watchers',
  `SELECT DISTINCT other.user_id AS id
   FROM conversation_members mine
   JOIN conversation_members other ON other.conversation_id = mine.conversation_id AND other.user_id <> mine.user_id
   JOIN users them ON them.id = other.user_id AND them.share_presence
   JOIN users me ON me.id = mine.user_id AND me.share_presence
   WHERE mine.user_id = $1
     AND NOT EXISTS (
       SELECT 1 FROM blocks
       WHERE (blocker_id = mine.user_id AND blocked_id = other.user_id)
          OR (blocker_id = other.user_id AND blocked_id = mine.user_id))`,
);

/** Everyone who shares a conversation with the user, whatever either's settings. */
export const conversationPartners = statement<[userId: number], { id: number }>(
  'presence.partners',
  `SELECT DISTINCT other.user_id AS id
   FROM conversation_members mine
   JOIN conversation_members other ON other.conversation_id = mine.conversation_id AND other.user_id <> mine.user_id
   WHERE mine.user_id = $1`,
);

/** Each person's presence setting and last sighting, and whether they share a conversation with the viewer. */
export const presenceSettings = statement<
  [userIds: number[], viewerId: number],
  { id: number; sharePresence: boolean; lastSeenAt: Date | null; partner: boolean }
>(
  'presence.settings',
  `SELECT u.id, u.share_presence AS "sharePresence", u.last_seen_at AS "lastSeenAt",
          EXISTS (
            SELECT 1 FROM conversation_members theirs
            JOIN conversation_members mine ON mine.conversation_id = theirs.conversation_id AND mine.user_id = $2
            WHERE theirs.user_id = u.id) AS partner
   FROM users u WHERE u.id = ANY($1::int[])`,
);
