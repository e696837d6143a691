-- Avatars (issue 24): an upload with no conversation, kept as two square WebP sizes, named by the user.
-- CreateEnum
CREATE TYPE "upload_purpose" AS ENUM ('ATTACHMENT', 'AVATAR');

-- AlterTable
ALTER TABLE "uploads" ADD COLUMN     "purpose" "upload_purpose" NOT NULL DEFAULT 'ATTACHMENT',
ALTER COLUMN "conversation_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "avatar_id" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "users_avatar_id_key" ON "users"("avatar_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_avatar_id_fkey" FOREIGN KEY ("avatar_id") REFERENCES "uploads"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- An attachment belongs to a conversation; an avatar to none.
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_purpose_conversation_check" CHECK (("purpose" = 'AVATAR') = ("conversation_id" IS NULL));
