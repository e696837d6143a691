import { create as contentDisposition } from 'content-disposition';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { inTransaction, type Queryable } from '../../db/client.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import { badInput } from '../../domain/errors.ts';
import type { UserRef } from '../../domain/people.ts';
import type { Background } from '../../lib/background.ts';
import type { ConversationAccess } from '../conversations/access.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import { isInlineType, mayBeImage, processAvatar, processImage, sniffType, SNIFF_BYTES, UNKNOWN_TYPE } from './images.ts';
import { LocalStorage } from './local-storage.ts';
import {
  deleteAbandoned,
  deletedUploads,
  downloadable,
  forgetUploads,
  insertUpload,
  isAvatar,
  lockOwnerUploads,
  lockUploads,
  markReady,
  retireUpload,
  storedBytes,
  uploadById,
  type UploadRow,
} from './files.sql.ts';
import {
  AVATAR_EDGES,
  avatarEdgeFor,
  avatarKey,
  objectKey,
  objectKeys,
  type AvatarEdge,
  type Download,
  type DownloadHeaders,
  type FileStorage,
  type FileVariant,
  type StoredUpload,
} from './storage.ts';

/** A ticket is good for an hour. */
export const TICKET_LIFETIME_MS = 3_600_000;
/** Uploads never sent are removed after a day. */
export const ABANDONED_AFTER_MS = 86_400_000;
export const MAX_ATTACHMENTS = 10;
const MAX_FILENAME_LENGTH = 255;
const SWEEP_BATCH = 500;

export interface FileLimits {
  maxUploadBytes: number;
  quotaBytes: number;
}

export interface UploadTicket {
  id: string;
  url: string;
  headers: Array<{ name: string; value: string }>;
  expiresAt: Date;
}

/** Why our own server refused a PUT: each maps to one HTTP status. */
export class UploadRefused extends Error {
  override name = 'UploadRefused';
  constructor(
    readonly status: 404 | 409 | 410 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** What every avatar square is served as. */
export const AVATAR_HEADERS: DownloadHeaders = {
  contentType: 'image/webp',
  contentDisposition: contentDisposition('avatar.webp', { type: 'inline' }),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTENT_TYPE = /^[\w.+-]{1,100}\/[\w.+-]{1,100}$/;
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

const badAttachment = () =>
  badInput('attachments', 'Attach only finished uploads of your own into this conversation, each once.');

function validateFilename(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0 || name.length > MAX_FILENAME_LENGTH)
    throw badInput('filename', `A file name has 1 to ${MAX_FILENAME_LENGTH} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(name))
    throw badInput('filename', 'A file name cannot hold control characters or slashes.');
  return name;
}

/**
 * Files shared in conversations, in two steps: `createUpload` checks who, how big and how many
 * and answers a ticket; the client PUTs the bytes to storage (our server, or S3 directly); a send
 * attaches finished uploads (see `MessageService.send`). Before anyone sees a file its type is
 * sniffed from its bytes, and an image is oriented, stripped of its metadata and given WebP
 * thumbnails. Every download is checked against who asks, now.
 */
export class FileService {
  constructor(
    private readonly pool: pg.Pool,
    readonly storage: FileStorage,
    private readonly access: ConversationAccess,
    private readonly rateLimits: RateLimits,
    private readonly background: Background,
    readonly limits: FileLimits,
    private readonly now: () => number = Date.now,
  ) {}

  async createUpload(
    viewer: UserRef,
    conversationId: string,
    rawFilename: string,
    claimedType: string,
    size: number,
  ): Promise<UploadTicket> {
    const file = this.checkTicket(rawFilename, claimedType, size);
    const conversation = await this.access.member(viewer, conversationId);
    return this.issue(viewer, conversation.id, file);
  }

  /** A ticket for an avatar: the same checks, no conversation; `updateProfile(avatarUploadId:)` then uses it. */
  createAvatarUpload(viewer: UserRef, rawFilename: string, claimedType: string, size: number): Promise<UploadTicket> {
    return this.issue(viewer, null, this.checkTicket(rawFilename, claimedType, size));
  }

  private checkTicket(rawFilename: string, claimedType: string, size: number) {
    const filename = validateFilename(rawFilename);
    const declaredType = CONTENT_TYPE.test(claimedType) ? claimedType.toLowerCase() : UNKNOWN_TYPE;
    if (!Number.isSafeInteger(size) || size < 1) throw badInput('size', 'A file has at least one byte.');
    if (size > this.limits.maxUploadBytes)
      throw badInput('size', `A file can be at most ${megabytes(this.limits.maxUploadBytes)}.`);
    return { filename, declaredType, size };
  }

  /** Into conversation `conversationId`, or an avatar (null). */
  private async issue(
    viewer: UserRef,
    conversationId: number | null,
    { filename, declaredType, size }: { filename: string; declaredType: string; size: number },
  ): Promise<UploadTicket> {
    await this.rateLimits.consumeUpload(viewer.id);
    const token = randomBytes(32).toString('base64url');
    const createdAt = new Date(this.now());
    const expiresAt = new Date(createdAt.getTime() + TICKET_LIFETIME_MS);
    const id = await inTransaction(this.pool, async (client) => {
      await lockOwnerUploads(client, viewer.id);
      const [stored] = await storedBytes(client, viewer.id);
      if (Number(stored!.bytes) + size > this.limits.quotaBytes)
        throw badInput(
          'size',
          `This file would take you past your storage quota of ${megabytes(this.limits.quotaBytes)}; delete messages with files to make room.`,
        );
      const [row] = await insertUpload(
        client,
        viewer.id,
        conversationId === null ? 'AVATAR' : 'ATTACHMENT',
        conversationId,
        filename,
        size,
        declaredType,
        hashToken(token),
        createdAt,
        expiresAt,
      );
      return row!.id;
    });
    const target = await this.storage.uploadTarget(id, declaredType, token, TICKET_LIFETIME_MS / 1000);
    return { id, ...target, expiresAt };
  }

  /** A PUT to our own server (FILE_STORAGE=local): streamed to disk, cut off past its declared size. */
  async receive(
    id: string,
    token: string | undefined,
    declaredLength: number | null,
    body: Readable,
  ): Promise<void> {
    if (!(this.storage instanceof LocalStorage))
      throw new UploadRefused(404, 'Uploads go to the file store.');
    const upload = UUID.test(id) ? (await uploadById(this.pool, id))[0] : undefined;
    if (!upload?.tokenHash || !token || !sameHash(upload.tokenHash, hashToken(token)))
      throw new UploadRefused(404, 'There is no such upload.');
    if (upload.status !== 'PENDING') throw new UploadRefused(409, 'This upload has its bytes already.');
    if (upload.expiresAt.getTime() <= this.now())
      throw new UploadRefused(410, 'This upload ticket has expired.');
    const tooLarge = new UploadRefused(413, `This upload declared ${upload.declaredSize} bytes.`);
    if (declaredLength !== null && declaredLength > upload.declaredSize) throw tooLarge;
    try {
      await this.storage.receive(objectKey(id, 'original'), body, upload.declaredSize);
    } catch (error) {
      if (error instanceof Error && error.name === 'TooLarge') throw tooLarge;
      throw error;
    }
    await this.finish(upload);
  }

  /**
   * Checks what arrived and makes it READY: the size against the ticket, the type from the
   * bytes, and an image re-encoded without metadata, with thumbnails. False when nothing usable
   * arrived (no object, or more bytes than declared: removed).
   */
  private async finish(upload: UploadRow): Promise<boolean> {
    const key = objectKey(upload.id, 'original');
    const size = await this.storage.size(key);
    if (size === null || size === 0) return false;
    if (size > upload.declaredSize) {
      await this.storage.remove([key]);
      return false;
    }
    const sniffed = await sniffType(await this.storage.readStart(key, SNIFF_BYTES));
    if (upload.purpose === 'AVATAR') {
      await this.finishAvatar(upload.id, sniffed);
      return true;
    }
    const image = mayBeImage(sniffed) ? await processImage(await this.storage.read(key), sniffed) : null;
    if (image) {
      await Promise.all([
        this.storage.write(key, image.original, image.contentType),
        this.storage.write(objectKey(upload.id, 'thumbnail'), image.thumbnail, 'image/webp'),
        this.storage.write(objectKey(upload.id, 'preview'), image.preview, 'image/webp'),
      ]);
      await markReady(
        this.pool,
        upload.id,
        image.contentType,
        image.original.length,
        image.width,
        image.height,
        true,
      );
    } else {
      // An "image" that does not decode is kept as a plain file, never shown inline.
      const contentType = mayBeImage(sniffed) ? UNKNOWN_TYPE : sniffed;
      await markReady(this.pool, upload.id, contentType, size, null, null, false);
    }
    return true;
  }

  /**
   * An avatar keeps only its squares: the original, metadata and all, is removed whatever it
   * was. One that is no image is READY without dimensions (and bytes), which `updateProfile` refuses.
   */
  private async finishAvatar(id: string, sniffed: string) {
    const key = objectKey(id, 'original');
    const squares = mayBeImage(sniffed) ? await processAvatar(await this.storage.read(key), AVATAR_EDGES) : null;
    if (squares)
      await Promise.all([...squares].map(([edge, bytes]) => this.storage.write(avatarKey(id, edge), bytes, 'image/webp')));
    await this.storage.remove([key]);
    const stored = squares ? [...squares.values()].reduce((sum, bytes) => sum + bytes.length, 0) : 0;
    const edge = squares ? avatarEdgeFor(Infinity) : null;
    await markReady(this.pool, id, squares ? 'image/webp' : UNKNOWN_TYPE, stored, edge, edge, false);
  }

  /**
   * Readies the avatar upload `updateProfile` names (one PUT straight to S3 is processed now);
   * refuses anything but a finished image uploaded by `viewer` as an avatar.
   */
  async prepareAvatar(viewer: UserRef, rawId: string): Promise<string> {
    const refuse = (why: string) => badInput('avatarUploadId', why);
    const [upload] = UUID.test(rawId) ? await uploadById(this.pool, rawId) : [];
    if (!upload || upload.ownerId !== viewer.id || upload.purpose !== 'AVATAR' || upload.status === 'DELETED')
      throw refuse('Use an avatar upload of your own (createAvatarUpload).');
    if (upload.status === 'PENDING' && !(await this.finish(upload)))
      throw refuse('This upload has not finished, or sent more bytes than it declared.');
    const [ready] = await uploadById(this.pool, upload.id);
    if (ready?.width == null) throw refuse('An avatar must be a JPEG, PNG, WebP, GIF or AVIF image.');
    return ready.id;
  }

  /** Inside `updateProfile`'s transaction: locks the avatar upload and checks it is still usable and no one's yet. */
  async claimAvatar(db: Queryable, viewer: UserRef, id: string): Promise<void> {
    const [row] = await lockUploads(db, [id]);
    if (row?.ownerId !== viewer.id || row.status !== 'READY' || (await isAvatar(db, id)).length > 0)
      throw badInput('avatarUploadId', 'Use an avatar upload of your own, once.');
  }

  /** An avatar's square: anyone signed in may have it while it is the avatar of an account not deleted. */
  async avatarDownload(viewer: UserRef | null, id: string, edge: AvatarEdge): Promise<Download | null> {
    if (!viewer || !UUID.test(id) || (await isAvatar(this.pool, id)).length === 0) return null;
    return this.storage.download(avatarKey(id, edge), AVATAR_HEADERS);
  }

  /** Inside a transaction: an upload no longer wanted (a replaced avatar); `removeRetired` removes its objects after the commit. */
  retire(db: Queryable, id: string): Promise<StoredUpload[]> {
    return retireUpload(db, id);
  }

  /** Removes retired uploads' objects, then their rows (what the sweep would do later). */
  async removeRetired(uploads: readonly StoredUpload[]): Promise<void> {
    await this.storage.remove(uploads.flatMap(objectKeys));
    await forgetUploads(
      this.pool,
      uploads.map(({ id }) => id),
    );
  }

  /**
   * Readies the uploads a send names before it takes the conversation's lock: those PUT straight
   * to S3 are checked and processed now, so dimensions and thumbnails exist before delivery.
   */
  async prepare(conversation: ConversationRef, rawIds: readonly string[]): Promise<string[]> {
    const ids = [...new Set(rawIds)];
    if (ids.length !== rawIds.length || ids.some((id) => !UUID.test(id))) throw badAttachment();
    if (ids.length > MAX_ATTACHMENTS)
      throw badInput('attachments', `A message takes at most ${MAX_ATTACHMENTS} attachments.`);
    for (const id of ids) {
      const [upload] = await uploadById(this.pool, id);
      if (!upload || upload.ownerId !== conversation.viewer.id || upload.conversationId !== conversation.id)
        throw badAttachment();
      if (upload.status === 'PENDING' && !(await this.finish(upload)))
        throw badInput('attachments', `${upload.filename} has not finished uploading.`);
    }
    return ids.map((id) => id.toLowerCase());
  }

  /**
   * Inside a send's transaction: locks the uploads and checks they are still this person's,
   * of this conversation, ready, and unsent (or sent with this very message, for a retry).
   */
  async claim(db: Queryable, conversation: ConversationRef, ids: readonly string[], retryOf: string | null) {
    if (ids.length === 0) return;
    const rows = await lockUploads(db, [...ids]);
    const usable = rows.filter(
      (row) =>
        row.ownerId === conversation.viewer.id &&
        row.conversationId === conversation.id &&
        row.status === 'READY' &&
        (row.messageId === null || row.messageId === retryOf),
    );
    if (usable.length !== ids.length) throw badAttachment();
  }

  /** A download `viewer` may have now, with its headers; null for anyone else (404, whatever the reason). */
  async download(
    viewer: UserRef | null,
    id: string,
    variant: FileVariant,
  ): Promise<{ download: Download; contentType: string; contentDisposition: string } | null> {
    if (!viewer || !UUID.test(id)) return null;
    const [file] = await downloadable(this.pool, id, viewer.id);
    if (!file || (variant !== 'original' && !file.thumbnails)) return null;
    const contentType = variant === 'original' ? file.contentType : 'image/webp';
    const filename =
      variant === 'original' ? file.filename : `${file.filename.replace(/\.[^.]*$/, '')}-${variant}.webp`;
    const headers = {
      contentType,
      contentDisposition: contentDisposition(filename, {
        type: isInlineType(contentType) ? 'inline' : 'attachment',
      }),
    };
    const download = await this.storage.download(objectKey(id, variant), headers);
    return download && { download, ...headers };
  }

  /**
   * Removes what is no longer wanted from storage: deleted messages' files and replaced avatars
   * (their URLs answer 404 from the deletion on) and uploads never used within a day.
   */
  async sweep(): Promise<number> {
    const abandoned = await deleteAbandoned(
      this.pool,
      new Date(this.now() - ABANDONED_AFTER_MS),
      SWEEP_BATCH,
    );
    await this.storage.remove(abandoned.flatMap((upload) => objectKeys({ ...upload, thumbnails: true })));
    const deleted = await deletedUploads(this.pool, SWEEP_BATCH);
    await this.removeRetired(deleted);
    return abandoned.length + deleted.length;
  }

  /** Sweeps every `intervalMs`; answers the function that stops it. */
  startSweep(intervalMs: number): () => void {
    const timer = setInterval(() => this.background(this.sweep(), 'sweeping files'), intervalMs).unref();
    return () => clearInterval(timer);
  }
}

function sameHash(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
