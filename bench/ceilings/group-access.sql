-- A group send's access check (`tryAccess` in api/src/services/conversations.ts), then the
-- transaction that takes the conversation's lock before the write.
SELECT c.kind, (SELECT o.user_id FROM conversation_members o
                WHERE o.conversation_id = c.id AND o.user_id <> :sender AND c.kind = 'DIRECT') AS peer_id
FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = :sender
WHERE c.id = :conversation;
BEGIN;
SELECT 1 FROM conversations WHERE id = :conversation FOR UPDATE;
