import { statement } from '../../db/sql.ts';
import { messageColumns, type MessageRow } from '../timeline/timeline.sql.ts';

/** A message as a change finds it, under its conversation's lock. */
export const messageForChange = statement<
  [messageId: string, conversationId: number],
  MessageRow & { editCount: number; writtenAt: Date }
>(
  'changes.message',
  `SELECT ${messageColumns('x')}, x.edit_count AS "editCount", COALESCE(x.edited_at, x.created_at) AS "writtenAt"
   FROM messages x WHERE x.id = $1::bigint AND x.conversation_id = $2`,
);

export const keepRevision = statement<[messageId: string, body: string, writtenAt: Date], never>(
  'changes.keep-revision',
  'INSERT INTO message_revisions (message_id, body, written_at) VALUES ($1::bigint, $2, $3)',
);

export const forgetMentions = statement<[messageId: string], never>(
  'changes.forget-mentions',
  'DELETE FROM message_mentions WHERE message_id = $1::bigint',
);

/** The message's mentions, as its new text names them (see `timeline.write` for the rule). */
export const mention = statement<
  [messageId: string, conversationId: number, senderId: number, seq: number, keys: string[], everyone: boolean],
  never
>(
  'changes.mention',
  `INSERT INTO message_mentions (message_id, user_id, conversation_id, seq, named)
   SELECT $1::bigint, m.user_id, $2, $4, u.username_key = ANY($5::text[])
   FROM conversation_members m JOIN users u ON u.id = m.user_id
   WHERE m.conversation_id = $2 AND m.user_id <> $3 AND ($6::boolean OR u.username_key = ANY($5::text[]))`,
);

/**
 * A deletion erases: the earlier texts, the reactions and the mentions go with the text, and its
 * files answer 404 from now on (the files sweep removes their stored objects).
 */
export const eraseDetails = statement<[messageId: string], never>(
  'changes.erase-details',
  `WITH revisions AS (DELETE FROM message_revisions WHERE message_id = $1::bigint),
        reacted AS (DELETE FROM reactions WHERE message_id = $1::bigint),
        files AS (UPDATE uploads SET status = 'DELETED' WHERE message_id = $1::bigint)
   DELETE FROM message_mentions WHERE message_id = $1::bigint`,
);

/** What a change returns: the message's new state with what it carries, and the members to tell. */
export interface ChangedRow extends MessageRow {
  reactions: Array<{ emoji: string; userIds: number[] }>;
  mentionIds: number[];
  memberIds: number[];
}

/**
 * The last statement of every change: a new position in the conversation's log and its time,
 * taken under the lock (so log order is commit order and times never go backwards), then the
 * row's change, `set` (its SQL, which may use `bumped.at`), and the new state with its reactions,
 * mentions and members. $1 is the conversation, $2 the message.
 */
const bump = (set = '', conversationChange = '') => `
  WITH stamp AS (SELECT clock_timestamp() AS now), bumped AS (
    UPDATE conversations
    SET last_stream_seq = last_stream_seq + 1, last_event_at = GREATEST(stamp.now, last_event_at) ${conversationChange}
    FROM stamp WHERE id = $1
    RETURNING last_stream_seq AS seq, last_event_at AS at
  ), updated AS (
    UPDATE messages x SET version = version + 1, stream_seq = bumped.seq, stream_at = bumped.at${set && `, ${set}`}
    FROM bumped WHERE x.id = $2::bigint
    RETURNING x.*
  )
  SELECT ${messageColumns('updated')},
         message_reactions($2::bigint) AS reactions,
         ARRAY(SELECT user_id FROM message_mentions WHERE message_id = $2::bigint AND named ORDER BY user_id) AS "mentionIds",
         ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = $1) AS "memberIds"
  FROM updated`;

export const bumpEdited = statement<
  [conversationId: number, messageId: string, body: string, mentionsEveryone: boolean],
  ChangedRow
>('changes.bump-edited', bump('body = $3, edited_at = bumped.at, edit_count = edit_count + 1, mentions_everyone = $4'));

export const bumpDeleted = statement<[conversationId: number, messageId: string, seq: number], ChangedRow>(
  'changes.bump-deleted',
  bump(`body = '', deleted_at = bumped.at, mentions_everyone = false`, ', last_deleted_seq = GREATEST(last_deleted_seq, $3)'),
);

export const memberRole = statement<[conversationId: number, userId: number], { role: 'OWNER' | 'MEMBER' }>(
  'changes.member-role',
  'SELECT role FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
);

export type ReactionOutcome = 'changed' | 'unchanged' | 'not-found' | 'not-text' | 'deleted' | 'too-many';

/**
 * Adds or takes back a reaction in one round trip (the `change_reaction` function of the
 * migration 20261207140000): the outcome, and unless the message was not found its state, a new
 * log position with it when the reaction changed.
 */
export const changeReaction = statement<
  [conversationId: number, messageId: string, userId: number, emoji: string, adding: boolean, maxEmoji: number],
  { outcome: ReactionOutcome } & (ChangedRow | { [Column in keyof ChangedRow]: null })
>(
  'changes.change-reaction',
  `SELECT f.outcome, ${messageColumns('(f.state)')}, f.reactions, f.member_ids AS "memberIds", f.mention_ids AS "mentionIds"
   FROM change_reaction($1, $2::bigint, $3, $4, $5, $6) AS f`,
);
