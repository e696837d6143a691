-- One send's write, as api/src/services/messages.ts `writeMessage` runs it for a direct conversation.
\set pair random(1, 1000)
\set side random(0, 1)
\set sender 2 * :pair - :side
\set peer 2 * :pair - 1 + :side
\set client random(1, 1000000000000000)
WITH bumped AS (
  UPDATE conversations
  SET last_seq = last_seq + 1, last_message_at = GREATEST(clock_timestamp(), last_message_at)
  WHERE id = :pair
    AND (NOT true OR EXISTS (
      SELECT 1 FROM conversation_members WHERE conversation_id = :pair AND user_id = :sender))
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
       ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = :pair) AS member_ids
FROM inserted;
