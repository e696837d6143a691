-- One send's write, as api/src/services/messages.ts `writeMessage` runs it, for :sender into
-- :conversation (:peer is a direct conversation's other person; 0 in a group). run.sh puts
-- the variables and, for the other scripts, the statements around it.
WITH bumped AS (
  UPDATE conversations
  SET last_seq = last_seq + 1, last_message_at = GREATEST(clock_timestamp(), last_message_at)
  WHERE id = :conversation
    AND (NOT true OR EXISTS (
      SELECT 1 FROM conversation_members WHERE conversation_id = :conversation AND user_id = :sender))
    AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = :sender AND client_id = 'c' || :client)
    AND NOT EXISTS (
      SELECT 1 FROM blocks
      WHERE (blocker_id = :sender AND blocked_id = :peer) OR (blocker_id = :peer AND blocked_id = :sender))
  RETURNING id, last_seq, last_message_at
), inserted AS (
  INSERT INTO messages (conversation_id, seq, kind, sender_id, body, client_id, created_at)
  SELECT id, last_seq, 'TEXT'::message_kind, :sender, 'a message of about the length people write, sixty-odd chars', 'c' || :client, last_message_at FROM bumped
  RETURNING id, conversation_id, seq, kind, sender_id, body, client_id, created_at
), read AS (
  UPDATE conversation_members AS m SET last_read_seq = inserted.seq, last_read_message_id = inserted.id
  FROM inserted
  WHERE inserted.kind = 'TEXT' AND m.conversation_id = inserted.conversation_id AND m.user_id = inserted.sender_id
)
SELECT id, conversation_id, seq, kind, sender_id, body, client_id, created_at,
       ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = :conversation) AS member_ids
FROM inserted;
