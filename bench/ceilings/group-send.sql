-- A send to one group of 100 over HTTP, as api/src/services/messages.ts runs it: the session
-- lookup, the access check (`tryAccess` in conversations.ts), then in one transaction the
-- conversation's lock and the write.
-- Every client sends to the same group: this measures one conversation's ceiling.
\set sender random(1, 100)
\set client random(1, 1000000000000000)
SELECT sessions.id, sessions.expires_at, sessions.last_seen_at, users.id, users.username
FROM sessions JOIN users ON users.id = sessions.user_id
WHERE sessions.token_hash = sha256(convert_to('t' || :sender, 'UTF8'));
SELECT c.kind, (SELECT o.user_id FROM conversation_members o
                WHERE o.conversation_id = c.id AND o.user_id <> :sender AND c.kind = 'DIRECT') AS peer_id
FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = :sender
WHERE c.id = 1001;
BEGIN;
SELECT 1 FROM conversations WHERE id = 1001 FOR UPDATE;
WITH bumped AS (
  UPDATE conversations
  SET last_seq = last_seq + 1, last_message_at = GREATEST(clock_timestamp(), last_message_at)
  WHERE id = 1001
    AND (NOT true OR EXISTS (
      SELECT 1 FROM conversation_members WHERE conversation_id = 1001 AND user_id = :sender))
    AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = :sender AND client_id = 'g' || :client)
    AND NOT EXISTS (
      SELECT 1 FROM blocks
      WHERE (blocker_id = :sender AND blocked_id = NULL) OR (blocker_id = NULL AND blocked_id = :sender))
  RETURNING id, last_seq, last_message_at
), inserted AS (
  INSERT INTO messages (conversation_id, seq, kind, sender_id, body, client_id, created_at)
  SELECT id, last_seq, 'TEXT'::message_kind, :sender, 'a message of about the length people write, sixty-odd chars', 'g' || :client, last_message_at FROM bumped
  RETURNING id, conversation_id, seq, kind, sender_id, body, client_id, created_at
), read AS (
  UPDATE conversation_members AS m SET last_read_seq = inserted.seq, last_read_message_id = inserted.id
  FROM inserted
  WHERE inserted.kind = 'TEXT' AND m.conversation_id = inserted.conversation_id AND m.user_id = inserted.sender_id
)
SELECT id, conversation_id, seq, kind, sender_id, body, client_id, created_at,
       ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = 1001) AS member_ids
FROM inserted;
COMMIT;
