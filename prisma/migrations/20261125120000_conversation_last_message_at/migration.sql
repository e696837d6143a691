-- AlterTable
ALTER TABLE "conversations" ADD COLUMN "last_message_at" TIMESTAMPTZ(3);

-- Existing conversations start from their newest stored message.
UPDATE "conversations" AS c
SET "last_message_at" = m."newest"
FROM (SELECT "conversation_id", max("created_at") AS "newest" FROM "messages" GROUP BY "conversation_id") AS m
WHERE m."conversation_id" = c."id";
