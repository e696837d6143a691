import { describe, expect, it } from 'vitest';
import { PresenceBook, presenceText } from './presence.svelte.ts';

const now = Date.UTC(2026, 10, 25, 12, 0, 30);
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

describe('presenceText', () => {
  it('says online, or how long ago they were last seen, by a fixed clock', () => {
    expect(presenceText({ online: true, lastSeenAt: null }, now)).toBe('online');
    expect(presenceText({ online: false, lastSeenAt: ago(0.5) }, now)).toBe('last seen just now');
    expect(presenceText({ online: false, lastSeenAt: ago(5) }, now)).toBe('last seen 5 min ago');
    expect(presenceText({ online: false, lastSeenAt: ago(59) }, now)).toBe('last seen 59 min ago');
    expect(presenceText({ online: false, lastSeenAt: ago(3 * 60 + 10) }, now)).toBe('last seen 3 h ago');
    expect(presenceText({ online: false, lastSeenAt: ago(30 * 60) }, now)).toBe('last seen yesterday');
    expect(presenceText({ online: false, lastSeenAt: ago(10 * 24 * 60) }, now)).toMatch(/^last seen on /);
  });

  it('says nothing when presence is hidden', () => {
    expect(presenceText(null, now)).toBeNull();
  });
});

describe('PresenceBook', () => {
  it('takes news from the stream over what was loaded, until the next fresh load', () => {
    const book = new PresenceBook();
    const bob = { id: '2', presence: { online: false, lastSeenAt: ago(5) } };
    expect(book.of(bob)).toEqual(bob.presence);
    book.onEvent('2', { online: true, lastSeenAt: null });
    expect(book.of(bob)).toEqual({ online: true, lastSeenAt: null });
    book.onEvent('2', null);
    expect(book.of(bob)).toBeNull();
    book.forget();
    expect(book.of(bob)).toEqual(bob.presence);
  });
});
