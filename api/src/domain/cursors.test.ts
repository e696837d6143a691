import { describe, expect, it } from 'vitest';
import { decodeSeqCursor, encodeSeqCursor } from './cursors.ts';
import { AppError } from './errors.ts';

describe('seq cursors', () => {
  it('round-trip and are opaque', () => {
    for (const seq of [0, 1, 42, 2 ** 31 - 1]) {
      const cursor = encodeSeqCursor(seq);
      expect(cursor).not.toContain(String(seq));
      expect(decodeSeqCursor(cursor, 'after')).toBe(seq);
    }
  });

  it.each([
    '',
    'garbage',
    encodeSeqCursor(5).slice(1),
    Buffer.from('seq:-1').toString('base64url'),
    Buffer.from('seq:1.5').toString('base64url'),
    Buffer.from('seq:01').toString('base64url'),
    Buffer.from('user:5').toString('base64url'),
  ])('refuses %j with the argument named', (cursor) => {
    expect(() => decodeSeqCursor(cursor, 'before')).toThrow(AppError);
    try {
      decodeSeqCursor(cursor, 'before');
    } catch (error) {
      expect((error as AppError).details.field).toBe('before');
    }
  });
});
