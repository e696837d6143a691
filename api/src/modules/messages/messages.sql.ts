import { statement } from '../../db/sql.ts';
import { messageColumns, type MessageRow } from '../timeline/timeline.sql.ts';

/** Past every seq: a page with no `before` cursor. */
export const NO_SEQ_BOUND = 2_147_483_647;

/**
 * Rows strictly between two seqs of a conversation, from one end; none once the
 * viewer is no longer a member. The check is here, in the read, because a
 * stream opened while a member re-reads long after (a gap, a Redis reconnect)
 * and must not show a removed member what was written since.
 */
const page = (order: 'ASC' | 'DESC') => `
  SELECT ${messageColumns('x')}
  FROM messages x
  WHERE x.conversation_id = $1
    AND EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2)
    AND x.seq > $3 AND x.seq < $4
  ORDER BY x.seq ${order}
  LIMIT $5`;

type PageParams = [conversationId: number, viewerId: number, afterSeq: number, beforeSeq: number, limit: number];

export const oldestBetween = statement<PageParams, MessageRow>('messages.oldest-between', page('ASC'));
export const newestBetween = statement<PageParams, MessageRow>('messages.newest-between', page('DESC'));

export const messageByClientId = statement<[senderId: number, clientId: string], MessageRow>(
  'messages.by-client-id',
  `SELECT ${messageColumns('x')} FROM messages x WHERE x.sender_id = $1 AND x.client_id = $2`,
);

export const messageBySeq = statement<[conversationId: number, seq: number], MessageRow>(
  'messages.by-seq',
  `SELECT ${messageColumns('x')} FROM messages x WHERE x.conversation_id = $1 AND x.seq = $2`,
);

export const headSeq = statement<[conversationId: number], { lastSeq: number }>(
  'messages.head-seq',
  'SELECT last_seq AS "lastSeq" FROM conversations WHERE id = $1',
);

export const messagePosition = statement<[messageId: string], { conversationId: number; seq: number }>(
  'messages.position',
  'SELECT conversation_id AS "conversationId", seq FROM messages WHERE id = $1::bigint',
);

/** A message of any of the viewer's conversations, with a direct one's other person. */
export interface MessageSinceRow extends MessageRow {
  peerId: number | null;
}

/**
 * The latest states of the viewer's messages written or changed after `since`
 * ($2), ordered by their log positions (streamAt, conversation, streamSeq)
 * after the keyset ($3, $4, $5), at most $6: what a resuming `events` stream
 * reads. Only conversations active since then are probed (a conversation's
 * `last_event_at` is its newest entry's time), so a user of 10,000
 * conversations of which a few are active costs a few index probes of
 * `messages`, and with the index on `last_event_at` the planner can start from
 * the conversations active anywhere when they are fewer than the user's
 * memberships.
 */
const since = (condition: string) => `
  SELECT ${messageColumns('x')},
         (SELECT o.user_id FROM conversation_members o
          WHERE c.kind = 'DIRECT' AND o.conversation_id = c.id AND o.user_id <> $1) AS "peerId"
  FROM conversation_members m
  JOIN conversations c ON c.id = m.conversation_id AND c.last_event_at > $2
  JOIN messages x ON x.conversation_id = c.id AND x.stream_at > $2
  WHERE m.user_id = $1 AND ${condition}
    AND (x.stream_at, x.conversation_id, x.stream_seq) > ($3, $4, $5)
  ORDER BY x.stream_at, x.conversation_id, x.stream_seq
  LIMIT $6`;

type SinceParams = [
  viewerId: number,
  since: Date,
  afterAt: Date,
  afterConversation: number,
  afterStreamSeq: number,
  limit: number,
];

export const messagesSince = statement<SinceParams, MessageSinceRow>('messages.since', since('true'), {
  planEachRun: true,
});

/** The same, in one conversation only ($7). */
export const conversationMessagesSince = statement<[...SinceParams, conversationId: number], MessageSinceRow>(
  'messages.since-in-conversation',
  since('m.conversation_id = $7'),
  { planEachRun: true },
);

/** A message a reply may name: of the same conversation, not deleted. */
export const replyTargetIn = statement<[messageId: string, conversationId: number], { found: 1 }>(
  'messages.reply-target',
  'SELECT 1 AS found FROM messages WHERE id = $1::bigint AND conversation_id = $2 AND deleted_at IS NULL',
);
