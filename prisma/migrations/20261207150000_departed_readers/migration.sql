-- The read positions of people who left a group or were removed from it: "read by N" counts
-- whoever read a message, members or not.
-- CreateTable
CREATE TABLE "departed_readers" (
    "conversation_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "last_read_seq" INTEGER NOT NULL,

    CONSTRAINT "departed_readers_pkey" PRIMARY KEY ("conversation_id","user_id")
);

-- CreateIndex
CREATE INDEX "departed_readers_user_id_idx" ON "departed_readers"("user_id");

-- AddForeignKey
ALTER TABLE "departed_readers" ADD CONSTRAINT "departed_readers_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "departed_readers" ADD CONSTRAINT "departed_readers_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
