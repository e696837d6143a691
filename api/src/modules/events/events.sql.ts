import { statement } from '../../db/sql.ts';

/**
 * "Now" for a new `events` stream: the database's time and the log head of each
 * of the viewer's conversations with an entry inside the window before it. Only
 * conversations active in the window are read: with the index on
 * `last_event_at` the planner starts from the conversations active anywhere
 * when they are fewer than the viewer's memberships.
 */
export const recentHeads = statement<
  [viewerId: number, windowMs: number],
  { now: Date; heads: Array<{ id: number; seq: number; at: string }> }
>(
  'events.recent-heads',
  `SELECT now() AS now,
          COALESCE(json_agg(json_build_object('id', c.id, 'seq', c.last_stream_seq, 'at', c.last_event_at))
                   FILTER (WHERE c.id IS NOT NULL), '[]') AS heads
   FROM conversations c
   JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1
   WHERE c.last_event_at > now() - $2 * interval '1 millisecond'`,
  { planEachRun: true },
);

/** The log head of each of these conversations that the viewer is a member of. */
export const memberHeads = statement<[viewerId: number, conversationIds: number[]], { id: number; seq: number }>(
  'events.member-heads',
  `SELECT c.id, c.last_stream_seq AS seq
   FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1
   WHERE c.id = ANY($2::int[])`,
);
