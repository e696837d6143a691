import type { Readable } from 'node:stream';

/** The objects an upload keeps: its original, and for an image a thumbnail and a preview (WebP). */
export type FileVariant = 'original' | 'thumbnail' | 'preview';

/** Objects are named by the upload's id (a UUID), never by the file's name. */
export const objectKey = (uploadId: string, variant: FileVariant) =>
  variant === 'original' ? uploadId : `${uploadId}.${variant}.webp`;

/** An avatar is kept as squares of these edges (px), WebP; its original is removed once they are made. */
export const AVATAR_EDGES = [64, 256] as const;
export type AvatarEdge = (typeof AVATAR_EDGES)[number];

/** The smallest stored edge of at least `size` pixels, else the largest. */
export const avatarEdgeFor = (size: number): AvatarEdge =>
  AVATAR_EDGES.find((edge) => edge >= size) ?? AVATAR_EDGES[AVATAR_EDGES.length - 1]!;

export const avatarKey = (uploadId: string, edge: AvatarEdge) => `${uploadId}.avatar-${edge}.webp`;

/** What a stored upload may have left in storage. */
export interface StoredUpload {
  id: string;
  purpose: 'ATTACHMENT' | 'AVATAR';
  thumbnails: boolean;
}

export const objectKeys = ({ id, purpose, thumbnails }: StoredUpload): string[] => [
  objectKey(id, 'original'),
  ...(thumbnails ? [objectKey(id, 'thumbnail'), objectKey(id, 'preview')] : []),
  ...(purpose === 'AVATAR' ? AVATAR_EDGES.map((edge) => avatarKey(id, edge)) : []),
];

/** Where and how a client PUTs an upload's bytes. */
export interface UploadTarget {
  url: string;
  headers: Array<{ name: string; value: string }>;
}

/** What a download answers with: the server streams the bytes itself, or redirects to the store. */
export type Download =
  | { kind: 'stream'; size: number; open: (range?: { start: number; end: number }) => Readable }
  | { kind: 'redirect'; url: string };

export interface DownloadHeaders {
  contentType: string;
  contentDisposition: string;
}

/**
 * Where files are kept: a folder of this machine (`local`) or an S3-compatible store (`s3`).
 * Processing reads an object whole (at most MAX_UPLOAD_BYTES) or only its first bytes.
 */
export interface FileStorage {
  readonly kind: 'local' | 's3';
  /** Where the client PUTs upload `id`'s bytes for `validSeconds`; `token` proves the ticket to our own server. */
  uploadTarget(id: string, contentType: string, token: string, validSeconds: number): Promise<UploadTarget>;
  /** The stored size of an object; null when there is none. */
  size(key: string): Promise<number | null>;
  /** The first `bytes` bytes of an object (fewer when it is shorter). */
  readStart(key: string, bytes: number): Promise<Buffer>;
  read(key: string): Promise<Buffer>;
  /** An object's bytes as they come (an export), never held whole. */
  stream(key: string): Promise<Readable>;
  write(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Removes objects; one that is not there is no error. */
  remove(keys: readonly string[]): Promise<void>;
  download(key: string, headers: DownloadHeaders): Promise<Download | null>;
}
