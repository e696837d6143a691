-- CreateEnum
CREATE TYPE "member_role" AS ENUM ('OWNER', 'MEMBER');

-- CreateEnum
CREATE TYPE "message_kind" AS ENUM ('TEXT', 'SYSTEM');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "share_read_receipts" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "conversations" ADD COLUMN     "title" TEXT;

-- AlterTable
ALTER TABLE "conversation_members" ADD COLUMN     "last_read_message_id" BIGINT,
ADD COLUMN     "last_read_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "role" "member_role" NOT NULL DEFAULT 'MEMBER';

-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "kind" "message_kind" NOT NULL DEFAULT 'TEXT';

-- Existing conversations keep their messages and seqs. Unread counts start now: what was
-- stored before read positions existed counts as read, so an upgrade floods no one's list.
UPDATE "conversation_members" AS cm
SET "last_read_seq" = c."last_seq",
    "last_read_message_id" = (SELECT m."id" FROM "messages" AS m WHERE m."conversation_id" = c."id" AND m."seq" = c."last_seq")
FROM "conversations" AS c
WHERE c."id" = cm."conversation_id" AND c."last_seq" > 0;

-- CreateIndex
CREATE INDEX "messages_conversation_id_created_at_idx" ON "messages"("conversation_id", "created_at");
