import { describe, expect, it } from 'vitest';
import type { Member } from '../graphql/documents/fragments.ts';
import { atOrAfter, receiptOf } from './receipts.ts';

const member = (id: string, username: string, lastReadMessageId: string | null): Member => ({
  user: { id, username, displayName: username[0]!.toUpperCase() + username.slice(1), presence: null },
  role: id === '1' ? 'OWNER' : 'MEMBER',
  lastReadMessageId,
});

/** My stored message `id`, as the server last counted its readers. */
const mine = (id: string, readByCount: number | null = null) => ({ id, readByCount });

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
    expect(receiptOf(mine('20'), direct('19'), '1')).toEqual({ kind: 'sent' });
    expect(receiptOf(mine('20'), direct('20'), '1')).toEqual({ kind: 'read' });
    expect(receiptOf(mine('20'), direct('35'), '1')).toEqual({ kind: 'read' });
    // Private receipts: the peer's position is null, so it stays at ✓.
    expect(receiptOf(mine('20'), direct(null), '1')).toEqual({ kind: 'sent' });
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
    expect(receiptOf(mine('50'), group, '1')).toEqual({ kind: 'readBy', count: 2, readers: ['Bob', 'Dan'] });
    expect(receiptOf(mine('52'), group, '1')).toEqual({ kind: 'sent' });
  });

  it("in a group, counts the server's readers who have left, and rises live as members' receipts arrive", () => {
    const group = (carolRead: string | null, danRead: string | null) => ({
      kind: 'GROUP' as const,
      members: [member('1', 'alice', '50'), member('3', 'carol', carolRead), member('4', 'dan', danRead)],
    });
    // Fetched when bob and erin (since gone) and carol had read it: 3, carol the one still here.
    expect(receiptOf(mine('50', 3), group('50', null), '1')).toEqual({ kind: 'readBy', count: 3, readers: ['Carol'] });
    // Nobody here has read it yet, but two who left did.
    expect(receiptOf(mine('50', 2), group(null, null), '1')).toEqual({ kind: 'readBy', count: 2, readers: [] });
    // Receipts arriving raise it past the server's count (dan read it after the fetch).
    expect(receiptOf(mine('50', 1), group('50', '60'), '1')).toEqual({ kind: 'readBy', count: 2, readers: ['Carol', 'Dan'] });
    // Private receipts (null) and none read: ✓.
    expect(receiptOf(mine('50', null), group(null, null), '1')).toEqual({ kind: 'sent' });
    expect(receiptOf(mine('50', 0), group('49', null), '1')).toEqual({ kind: 'sent' });
  });
});
