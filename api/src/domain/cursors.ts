import { badInput } from './errors.ts';

const PREFIX = 'seq:';

/** Opaque Relay cursors over a conversation's seq. */
export const encodeSeqCursor = (seq: number) => Buffer.from(`${PREFIX}${seq}`).toString('base64url');

export function decodeSeqCursor(cursor: string, field: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const seq = Number(text.slice(PREFIX.length));
  if (!text.startsWith(PREFIX) || !Number.isSafeInteger(seq) || seq < 0 || `${PREFIX}${seq}` !== text) {
    throw badInput(field, 'This cursor is not one the server gave out.');
  }
  return seq;
}

/** The chat list's keyset position: (updatedAt, id), newest first. */
export interface ListPosition {
  updatedAt: Date;
  id: number;
}

export const encodeListCursor = (position: ListPosition) =>
  Buffer.from(`list:${position.updatedAt.getTime()}:${position.id}`).toString('base64url');

export function decodeListCursor(cursor: string, field: string): ListPosition {
  const match = /^list:(\d{1,15}):(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badInput(field, 'This cursor is not one the server gave out.');
  return { updatedAt: new Date(Number(match[1])), id: Number(match[2]) };
}
