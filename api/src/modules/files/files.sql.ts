import { statement } from '../../db/sql.ts';
import type { StoredUpload } from './storage.ts';

/** An upload as the service reads it. */
export interface UploadRow {
  id: string;
  ownerId: number;
  purpose: 'ATTACHMENT' | 'AVATAR';
  /** Null for an avatar. */
  conversationId: number | null;
  messageId: string | null;
  status: 'PENDING' | 'READY' | 'DELETED';
  filename: string;
  declaredSize: number;
  declaredType: string;
  tokenHash: string | null;
  contentType: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  thumbnails: boolean;
  expiresAt: Date;
}

const uploadColumns = `u.id::text AS id, u.owner_id AS "ownerId", u.purpose, u.conversation_id AS "conversationId",
  u.message_id::text AS "messageId", u.status, u.filename, u.declared_size AS "declaredSize",
  u.declared_type AS "declaredType", u.token_hash AS "tokenHash", u.content_type AS "contentType", u.size,
  u.width, u.height, u.thumbnails, u.expires_at AS "expiresAt"`;

/** Serialises one person's new tickets, so two at once cannot both fit a quota only one fits. */
export const lockOwnerUploads = statement<[ownerId: number], never>(
  'files.lock-owner',
  `SELECT pg_advisory_xact_lock(hashtext('uploads'), $1)`,
);

/** What a person keeps stored: finished uploads by their size, tickets by the size they declared. */
export const storedBytes = statement<[ownerId: number], { bytes: string }>(
  'files.stored-bytes',
  `SELECT coalesce(sum(coalesce(size, declared_size)), 0)::text AS bytes
   FROM uploads WHERE owner_id = $1 AND status <> 'DELETED'`,
);

export const insertUpload = statement<
  [
    ownerId: number,
    purpose: 'ATTACHMENT' | 'AVATAR',
    conversationId: number | null,
    filename: string,
    declaredSize: number,
    declaredType: string,
    tokenHash: string,
    createdAt: Date,
    expiresAt: Date,
  ],
  { id: string }
>(
  'files.insert',
  `INSERT INTO uploads (id, owner_id, purpose, conversation_id, filename, declared_size, declared_type, token_hash,
                        created_at, expires_at)
   VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)
   RETURNING id::text AS id`,
);

export const uploadById = statement<[id: string], UploadRow>(
  'files.by-id',
  `SELECT ${uploadColumns} FROM uploads u WHERE u.id = $1::uuid`,
);

/** Someone's uploads into a conversation, locked until the send's transaction ends. */
export const lockUploads = statement<[ids: string[]], UploadRow>(
  'files.lock',
  `SELECT ${uploadColumns} FROM uploads u WHERE u.id = ANY($1::uuid[]) ORDER BY u.id FOR UPDATE`,
);

export const markReady = statement<
  [
    id: string,
    contentType: string,
    size: number,
    width: number | null,
    height: number | null,
    thumbnails: boolean,
  ],
  never
>(
  'files.ready',
  `UPDATE uploads SET status = 'READY', content_type = $2, size = $3, width = $4, height = $5, thumbnails = $6
   WHERE id = $1::uuid AND status = 'PENDING'`,
);

/** An attachment as messages carry it. */
export interface AttachmentRow {
  messageId: string;
  id: string;
  filename: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  thumbnails: boolean;
}

export const attachmentsOf = statement<[messageIds: string[]], AttachmentRow>(
  'files.attachments',
  `SELECT message_id::text AS "messageId", id::text AS id, filename, content_type AS "contentType", size, width, height,
          thumbnails
   FROM uploads WHERE message_id = ANY($1::bigint[]) AND status = 'READY'
   ORDER BY message_id, position`,
);

/**
 * An attachment `viewerId` may download now: of a message not deleted, in a conversation they
 * are a member of, and not in a direct conversation whose other person blocked them.
 */
export const downloadable = statement<
  [id: string, viewerId: number],
  { filename: string; contentType: string; size: number; thumbnails: boolean }
>(
  'files.downloadable',
  `SELECT u.filename, u.content_type AS "contentType", u.size, u.thumbnails
   FROM uploads u
   JOIN messages x ON x.id = u.message_id AND x.deleted_at IS NULL
   JOIN conversation_members m ON m.conversation_id = u.conversation_id AND m.user_id = $2
   WHERE u.id = $1::uuid AND u.status = 'READY'
     AND NOT EXISTS (
       SELECT 1 FROM conversations c
       JOIN conversation_members o ON o.conversation_id = c.id AND o.user_id <> $2
       JOIN blocks b ON b.blocker_id = o.user_id AND b.blocked_id = $2
       WHERE c.id = u.conversation_id AND c.kind = 'DIRECT')`,
);

/**
 * Uploads never sent nor made anyone's avatar, made before the cut-off: gone at once (a send or
 * an avatar change racing it finds nothing).
 */
export const deleteAbandoned = statement<[before: Date, limit: number], StoredUpload>(
  'files.delete-abandoned',
  `DELETE FROM uploads WHERE id IN (
     SELECT id FROM uploads u WHERE message_id IS NULL AND created_at < $1
       AND NOT EXISTS (SELECT 1 FROM users WHERE avatar_id = u.id)
     ORDER BY created_at LIMIT $2
     FOR UPDATE SKIP LOCKED)
   RETURNING id::text AS id, purpose, thumbnails`,
);

/** Deleted messages' uploads and replaced avatars, whose objects are still to remove. */
export const deletedUploads = statement<[limit: number], StoredUpload>(
  'files.deleted',
  `SELECT id::text AS id, purpose, thumbnails FROM uploads WHERE status = 'DELETED' LIMIT $1`,
);

/** An upload no longer wanted (a replaced avatar): its URLs answer 404 and its objects are removed. */
export const retireUpload = statement<[id: string], StoredUpload>(
  'files.retire',
  `UPDATE uploads SET status = 'DELETED' WHERE id = $1::uuid RETURNING id::text AS id, purpose, thumbnails`,
);

/** Whether an upload is the avatar of an account not deleted: anyone signed in may see it. */
export const isAvatar = statement<[id: string], { found: boolean }>(
  'files.is-avatar',
  `SELECT true AS found FROM users WHERE avatar_id = $1::uuid AND deleted_at IS NULL`,
);

export const forgetUploads = statement<[ids: string[]], never>(
  'files.forget',
  `DELETE FROM uploads WHERE id = ANY($1::uuid[]) AND status = 'DELETED'`,
);
