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
