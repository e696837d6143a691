-- CreateEnum
CREATE TYPE "notification_level" AS ENUM ('ALL', 'MENTIONS', 'NONE');

-- AlterTable
ALTER TABLE "conversation_members" ADD COLUMN     "muted_forever" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "muted_until" TIMESTAMPTZ(3),
ADD COLUMN     "notification_level" "notification_level";

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "active_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "push_previews" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "quiet_allow_direct" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "quiet_allow_mentions" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "quiet_end" TEXT,
ADD COLUMN     "quiet_start" TEXT,
ADD COLUMN     "quiet_time_zone" TEXT;

-- CreateTable
CREATE TABLE "push_subscriptions" (
    "id" BIGSERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "session_id" UUID NOT NULL,
    "endpoint" TEXT NOT NULL,
    "p256dh" TEXT NOT NULL,
    "auth" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "push_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vapid_keys" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "public_key" TEXT NOT NULL,
    "private_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vapid_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "push_subscriptions_endpoint_key" ON "push_subscriptions"("endpoint");

-- CreateIndex
CREATE INDEX "push_subscriptions_user_id_created_at_idx" ON "push_subscriptions"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "push_subscriptions_session_id_idx" ON "push_subscriptions"("session_id");

-- AddForeignKey
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One key pair for every instance.
ALTER TABLE "vapid_keys" ADD CONSTRAINT "vapid_keys_single_row" CHECK ("id" = 1);
