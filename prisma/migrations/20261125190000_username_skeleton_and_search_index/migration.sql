-- Trigram matching for user search (`username_key LIKE '%x%'`). pg_trgm ships with PostgreSQL's
-- contrib (in Debian's postgresql-15 and in embedded-postgres) and is a trusted extension, so the
-- database owner can create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterTable
-- SQL cannot compute UTS #39 skeletons: existing users get theirs at start-up
-- (backfillUsernameSkeletons in api/src/services/users.ts). NULLs never collide in a unique index.
ALTER TABLE "users" ADD COLUMN     "username_skeleton" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "users_username_skeleton_key" ON "users"("username_skeleton");

-- CreateIndex
CREATE INDEX "users_username_key_trgm_idx" ON "users" USING GIN ("username_key" gin_trgm_ops);
