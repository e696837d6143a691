import { statement } from '../../db/sql.ts';
import type { ConversationKind } from '../../domain/conversations.ts';

/** The conversation if the viewer is a member, with a direct one's other person. */
export const memberAccess = statement<
  [viewerId: number, conversationId: number],
  { kind: ConversationKind; peerId: number | null; peerName: string | null }
>(
  'conversations.member-access',
  `SELECT c.kind, peer.id AS "peerId", peer.username AS "peerName"
   FROM conversations c
   JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1
   LEFT JOIN LATERAL (
     SELECT u.id, u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
     WHERE c.kind = 'DIRECT' AND o.conversation_id = c.id AND o.user_id <> $1
   ) peer ON true
   WHERE c.id = $2`,
);

/** What never changes about a conversation once made: its kind and, if direct, its two people. */
export interface ConversationFacts {
  kind: ConversationKind;
  /** A direct conversation's two people; null for a group. */
  directMembers: number[] | null;
}

export const conversationFacts = statement<[conversationId: number], ConversationFacts>(
  'conversations.facts',
  `SELECT kind, CASE WHEN kind = 'DIRECT'
     THEN ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = id) END AS "directMembers"
   FROM conversations WHERE id = $1`,
);

/** The conversation of a message, if the viewer is a member of it, with a direct one's other person. */
export const messageAccess = statement<
  [viewerId: number, messageId: string],
  { conversationId: number; kind: ConversationKind; peerId: number | null; peerName: string | null }
>(
  'conversations.message-access',
  `SELECT c.id AS "conversationId", c.kind, peer.id AS "peerId", peer.username AS "peerName"
   FROM messages x
   JOIN conversations c ON c.id = x.conversation_id
   JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1
   LEFT JOIN LATERAL (
     SELECT u.id, u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
     WHERE c.kind = 'DIRECT' AND o.conversation_id = c.id AND o.user_id <> $1
   ) peer ON true
   WHERE x.id = $2::bigint`,
);

/** The conversations holding a text message `authorId` wrote and has not deleted, member still or not. */
export const authoredAccess = statement<
  [authorId: number],
  { id: number; kind: ConversationKind; peerId: number | null; peerName: string | null }
>(
  'conversations.authored-access',
  `SELECT c.id, c.kind, peer.id AS "peerId", peer.username AS "peerName"
   FROM conversations c
   LEFT JOIN LATERAL (
     SELECT u.id, u.username FROM conversation_members o JOIN users u ON u.id = o.user_id
     WHERE c.kind = 'DIRECT' AND o.conversation_id = c.id AND o.user_id <> $1
   ) peer ON true
   WHERE c.id IN (SELECT DISTINCT conversation_id FROM messages
                  WHERE sender_id = $1 AND kind = 'TEXT' AND deleted_at IS NULL)`,
);

/** The next `limit` of the text messages `authorId` wrote in a conversation and has not deleted. */
export const authoredMessageIds = statement<[conversationId: number, authorId: number, limit: number], { id: string }>(
  'conversations.authored-messages',
  `SELECT id::text FROM messages
   WHERE conversation_id = $1 AND sender_id = $2 AND kind = 'TEXT' AND deleted_at IS NULL
   ORDER BY id LIMIT $3`,
);
