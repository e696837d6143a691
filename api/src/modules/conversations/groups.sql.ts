import { statement } from '../../db/sql.ts';
import type { MemberRole } from '../../domain/conversations.ts';

export const insertGroup = statement<[title: string], { id: number }>(
  'groups.insert',
  `INSERT INTO conversations (kind, title) VALUES ('GROUP', $1) RETURNING id`,
);

export const insertMembers = statement<[conversationId: number, userIds: number[], roles: MemberRole[]], never>(
  'groups.insert-members',
  `INSERT INTO conversation_members (conversation_id, user_id, role)
   SELECT $1, member.user_id, member.role FROM unnest($2::int[], $3::member_role[]) AS member(user_id, role)`,
);

/** Read under the conversation's lock (`lockConversation`): membership changes take turns with sends. */
export const currentMembers = statement<
  [conversationId: number],
  { userId: number; role: MemberRole; joinedAt: Date }
>(
  'groups.current-members',
  `SELECT user_id AS "userId", role, joined_at AS "joinedAt"
   FROM conversation_members WHERE conversation_id = $1 ORDER BY joined_at, user_id`,
);

/** Removes a member, keeping their read position: "read by N" still counts what they read. */
export const deleteMember = statement<[conversationId: number, userId: number], never>(
  'groups.delete-member',
  `WITH gone AS (DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2 RETURNING last_read_seq)
   INSERT INTO departed_readers (conversation_id, user_id, last_read_seq)
   SELECT $1, $2, last_read_seq FROM gone WHERE last_read_seq > 0
   ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_seq = GREATEST(departed_readers.last_read_seq, EXCLUDED.last_read_seq)`,
);

export const setRole = statement<[conversationId: number, userId: number, role: MemberRole], never>(
  'groups.set-role',
  'UPDATE conversation_members SET role = $3 WHERE conversation_id = $1 AND user_id = $2',
);

export const setTitle = statement<[conversationId: number, title: string], never>(
  'groups.set-title',
  'UPDATE conversations SET title = $2 WHERE id = $1',
);

/**
 * Of `userIds`, those who take group invitations only from people they talk to and have not
 * talked with the viewer: written in a conversation the two share.
 */
export const refusingInvitations = statement<[viewerId: number, userIds: number[]], { id: number }>(
  'groups.refusing-invitations',
  `SELECT u.id FROM users u
   WHERE u.id = ANY($2::int[]) AND u.group_invites = 'PEOPLE_I_TALK_TO'
     AND NOT EXISTS (
       SELECT 1 FROM conversation_members theirs
       JOIN conversation_members mine ON mine.conversation_id = theirs.conversation_id AND mine.user_id = $1
       WHERE theirs.user_id = u.id
         AND EXISTS (SELECT 1 FROM messages x
                     WHERE x.conversation_id = theirs.conversation_id AND x.sender_id = u.id AND x.kind = 'TEXT'))`,
);
