-- CreateEnum
CREATE TYPE "group_invite_policy" AS ENUM ('EVERYONE', 'PEOPLE_I_TALK_TO');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "group_invites" "group_invite_policy" NOT NULL DEFAULT 'EVERYONE';
