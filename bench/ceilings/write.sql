-- One send's write, as api/src/modules/timeline/timeline.sql.ts `timeline.write` runs it, for
-- :sender into :conversation (:peer is a direct conversation's other person; 0 in a group).
-- run.sh puts the variables and, for the other scripts, the statements around it.
WITH stamp AS (SELECT clock_timestamp() AS now), bumped AS (
  UPDATE conversations
  SET last_seq = last_seq + 1, last_stream_seq = last_stream_seq + 1,
      last_message_at = GREATEST(stamp.now, last_event_at), last_event_at = GREATEST(stamp.now, last_event_at)
  FROM stamp
  WHERE id = :conversation
    AND (NOT true OR EXISTS (
      SELECT 1 FROM conversation_members WHERE conversation_id = :conversation AND user_id = :sender))
    AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = :sender AND client_id = 'c' || :client)
    AND NOT EXISTS (
      SELECT 1 FROM blocks
      WHERE (blocker_id = :sender AND blocked_id = :peer) OR (blocker_id = :peer AND blocked_id = :sender))
  RETURNING conversations.id, last_seq, last_stream_seq, last_event_at
), inserted AS (
  INSERT INTO messages (conversation_id, seq, stream_seq, stream_at, kind, sender_id, body, client_id, created_at,
                        reply_to_id, mentions_everyone)
  SELECT id, last_seq, last_stream_seq, last_event_at, 'TEXT'::message_kind, :sender,
         'a message of about the length people write, sixty-odd chars', 'c' || :client, last_event_at, NULL, false
  FROM bumped
  RETURNING *
), read AS (
  UPDATE conversation_members AS m SET last_read_seq = inserted.seq, last_read_message_id = inserted.id
  FROM inserted
  WHERE m.conversation_id = inserted.conversation_id AND m.user_id = inserted.sender_id
)
SELECT inserted.id, inserted.conversation_id, inserted.seq, inserted.stream_seq, inserted.kind, inserted.body,
       ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = :conversation) AS member_ids
FROM (SELECT 1) AS always LEFT JOIN inserted ON true;
