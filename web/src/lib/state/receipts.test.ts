import { describe, expect, it } from 'vitest';
import type { Member } from '../graphql/documents.ts';
import { atOrAfter, receiptOf } from './receipts.ts';

const member = (id: string, username: string, lastReadMessageId: string | null): Member => ({
  user: { id, username, presence: null },
  role: id === '1' ? 'OWNER' : 'MEMBER',
  lastReadMessageId,
});

describe('receipts', () => {
  it('compares 64-bit ids as numbers, not as strings or floats', () => {
    expect(atOrAfter('10', '9')).toBe(true);
    expect(atOrAfter('9', '10')).toBe(false);
    // Beyond 2^53 a float comparison calls these equal.
    expect(atOrAfter('9007199254740993', '9007199254740992')).toBe(true);
    expect(atOrAfter('9007199254740992', '9007199254740993')).toBe(false);
    expect(atOrAfter(null, '1')).toBe(false);
  });

  it('gives ✓ until the peer has read up to the message, then ✓✓', () => {
    const direct = (peerRead: string | null) => ({
      kind: 'DIRECT' as const,
      members: [member('1', 'alice', '20'), member('2', 'bob', peerRead)],
    });
    expect(receiptOf('20', direct('19'), '1')).toEqual({ kind: 'sent' });
    expect(receiptOf('20', direct('20'), '1')).toEqual({ kind: 'read' });
    expect(receiptOf('20', direct('35'), '1')).toEqual({ kind: 'read' });
    // Private receipts: the peer's position is null, so it stays at ✓.
    expect(receiptOf('20', direct(null), '1')).toEqual({ kind: 'sent' });
  });

  it('in a group, names the others who have read it, never me', () => {
    const group = {
      kind: 'GROUP' as const,
      members: [
        member('1', 'alice', '50'),
        member('2', 'bob', '50'),
        member('3', 'carol', '49'),
        member('4', 'dan', '51'),
      ],
    };
    expect(receiptOf('50', group, '1')).toEqual({ kind: 'readBy', readers: ['bob', 'dan'] });
    expect(receiptOf('52', group, '1')).toEqual({ kind: 'sent' });
  });
});
