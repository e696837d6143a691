-- Every change to a message (an edit, a deletion, a reaction) is an entry of its conversation's
-- log, as a new message is: `stream_seq` is the log position of the message's latest state and
-- `stream_at` its time, both taken under the conversation's lock. Until a message changes they
-- are its seq and created_at, so resume cursors given out before this migration stay valid.

-- AlterTable
ALTER TABLE "conversations" ADD COLUMN     "last_deleted_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "last_event_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_stream_seq" INTEGER NOT NULL DEFAULT 0;

UPDATE "conversations" SET "last_stream_seq" = "last_seq", "last_event_at" = "last_message_at";

-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3),
ADD COLUMN     "edit_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "edited_at" TIMESTAMPTZ(3),
ADD COLUMN     "mentions_everyone" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "reply_to_id" BIGINT,
ADD COLUMN     "stream_at" TIMESTAMPTZ(3),
ADD COLUMN     "stream_seq" INTEGER,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

UPDATE "messages" SET "stream_seq" = "seq", "stream_at" = "created_at";

ALTER TABLE "messages" ALTER COLUMN "stream_at" SET NOT NULL,
ALTER COLUMN "stream_seq" SET NOT NULL;

-- DropIndex
DROP INDEX "conversations_last_message_at_idx";

-- DropIndex
DROP INDEX "messages_conversation_id_created_at_idx";

-- CreateTable
CREATE TABLE "message_revisions" (
    "id" BIGSERIAL NOT NULL,
    "message_id" BIGINT NOT NULL,
    "body" TEXT NOT NULL,
    "written_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "message_revisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reactions" (
    "message_id" BIGINT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "emoji" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reactions_pkey" PRIMARY KEY ("message_id","user_id","emoji")
);

-- CreateTable
CREATE TABLE "message_mentions" (
    "message_id" BIGINT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "named" BOOLEAN NOT NULL,

    CONSTRAINT "message_mentions_pkey" PRIMARY KEY ("message_id","user_id")
);

-- CreateIndex
CREATE INDEX "message_revisions_message_id_id_idx" ON "message_revisions"("message_id", "id");

-- CreateIndex
CREATE INDEX "reactions_message_id_created_at_idx" ON "reactions"("message_id", "created_at");

-- CreateIndex
CREATE INDEX "message_mentions_user_id_conversation_id_seq_idx" ON "message_mentions"("user_id", "conversation_id", "seq");

-- CreateIndex
CREATE INDEX "conversations_last_event_at_idx" ON "conversations"("last_event_at");

-- CreateIndex
CREATE INDEX "messages_conversation_id_stream_at_idx" ON "messages"("conversation_id", "stream_at");

-- CreateIndex
CREATE UNIQUE INDEX "messages_conversation_id_stream_seq_key" ON "messages"("conversation_id", "stream_seq");

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_reply_to_id_fkey" FOREIGN KEY ("reply_to_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_revisions" ADD CONSTRAINT "message_revisions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A message's reactions as the API gives them: one entry per emoji in order of first use, its
-- people in the order they reacted.
CREATE FUNCTION message_reactions(message bigint) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT COALESCE(json_agg(json_build_object('emoji', r.emoji, 'userIds', r.user_ids) ORDER BY r.first, r.emoji), '[]')
  FROM (SELECT emoji, array_agg(user_id ORDER BY created_at, user_id) AS user_ids, min(created_at) AS first
        FROM reactions WHERE reactions.message_id = message GROUP BY emoji) AS r
$$;

-- Adds (or takes back) one person's reaction, in one call: under the conversation's lock it checks
-- the message, changes the reaction, and on a change gives the message the conversation's next
-- log position, as every change does. One round trip holds the lock, so a storm of reactions to
-- one message is as fast as PostgreSQL, whatever the load on the server that asks. Each
-- statement of the function reads what committed before it, the lock's holders' work included.
CREATE FUNCTION change_reaction(
  conversation integer, message bigint, reactor integer, reaction text, adding boolean, max_emoji integer
) RETURNS TABLE (outcome text, state messages, reactions json, member_ids integer[], mention_ids integer[])
LANGUAGE plpgsql AS $$
DECLARE
  next_seq integer;
  stamp timestamptz;
  changed boolean;
BEGIN
  PERFORM 1 FROM conversations WHERE id = conversation FOR UPDATE;
  SELECT * INTO state FROM messages m WHERE m.id = message AND m.conversation_id = conversation;
  IF NOT FOUND THEN
    outcome := 'not-found';
  ELSIF state.kind <> 'TEXT' THEN
    outcome := 'not-text';
  ELSIF state.deleted_at IS NOT NULL THEN
    outcome := 'deleted';
  ELSIF adding AND NOT EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = message AND r.emoji = reaction)
        AND (SELECT count(DISTINCT r.emoji) FROM reactions r WHERE r.message_id = message) >= max_emoji THEN
    outcome := 'too-many';
  ELSE
    IF adding THEN
      INSERT INTO reactions (message_id, user_id, emoji) VALUES (message, reactor, reaction) ON CONFLICT DO NOTHING;
    ELSE
      DELETE FROM reactions r WHERE r.message_id = message AND r.user_id = reactor AND r.emoji = reaction;
    END IF;
    changed := FOUND;
    IF changed THEN
      UPDATE conversations c
      SET last_stream_seq = c.last_stream_seq + 1, last_event_at = GREATEST(clock_timestamp(), c.last_event_at)
      WHERE c.id = conversation RETURNING c.last_stream_seq, c.last_event_at INTO next_seq, stamp;
      UPDATE messages m SET version = m.version + 1, stream_seq = next_seq, stream_at = stamp
      WHERE m.id = message RETURNING * INTO state;
      outcome := 'changed';
    ELSE
      outcome := 'unchanged';
    END IF;
    reactions := message_reactions(message);
    member_ids := ARRAY(SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = conversation);
    mention_ids := ARRAY(SELECT mm.user_id FROM message_mentions mm WHERE mm.message_id = message AND mm.named ORDER BY mm.user_id);
  END IF;
  RETURN NEXT;
END
$$;
