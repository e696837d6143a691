-- Files shared in conversations (issue 21): a ticket first, then the bytes, then a message.
-- CreateEnum
CREATE TYPE "upload_status" AS ENUM ('PENDING', 'READY', 'DELETED');

-- CreateTable
CREATE TABLE "uploads" (
    "id" UUID NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "message_id" BIGINT,
    "position" INTEGER NOT NULL DEFAULT 0,
    "status" "upload_status" NOT NULL DEFAULT 'PENDING',
    "filename" TEXT NOT NULL,
    "declared_size" INTEGER NOT NULL,
    "declared_type" TEXT NOT NULL,
    "token_hash" TEXT,
    "content_type" TEXT,
    "size" INTEGER,
    "width" INTEGER,
    "height" INTEGER,
    "thumbnails" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "uploads_owner_id_idx" ON "uploads"("owner_id");

-- CreateIndex
CREATE INDEX "uploads_message_id_idx" ON "uploads"("message_id");

-- CreateIndex
CREATE INDEX "uploads_status_created_at_idx" ON "uploads"("status", "created_at");

-- AddForeignKey
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
