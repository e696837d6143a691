import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TYPING_EVERY_MS, TYPING_LAPSE_MS, TypingBook, TypingSender, typingLine } from './typing.svelte.ts';

const alice = { id: '1', username: 'alice', displayName: 'Alice A.' };
const bob = { id: '2', username: 'bob', displayName: 'bob' };

describe('TypingBook', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('names who types where, in the order they started, until they stop', () => {
    const book = new TypingBook();
    book.onEvent('g', alice, true);
    book.onEvent('g', bob, true);
    book.onEvent('d', bob, true);
    book.onEvent('g', alice, true);
    expect(book.names('g')).toEqual(['Alice A.', 'bob']);
    expect(typingLine(book.names('g'))).toBe('Alice A. and bob are typing…');
    book.onEvent('g', alice, false);
    expect(book.names('g')).toEqual(['bob']);
    expect(book.names('d')).toEqual(['bob']);
    book.stop();
  });

  it('lets a start lapse after 7 s without news, and each new start gives it 7 s more', () => {
    const book = new TypingBook();
    book.onEvent('g', alice, true);
    vi.advanceTimersByTime(TYPING_LAPSE_MS - 1_000);
    book.onEvent('g', alice, true);
    vi.advanceTimersByTime(TYPING_LAPSE_MS - 1);
    expect(book.names('g')).toEqual(['Alice A.']);
    vi.advanceTimersByTime(1);
    expect(book.names('g')).toEqual([]);
  });
});

describe('typingLine', () => {
  it('says who, in words', () => {
    expect(typingLine([])).toBeNull();
    expect(typingLine(['alice'])).toBe('alice is typing…');
    expect(typingLine(['alice', 'bob', 'carol'])).toBe('alice, bob and carol are typing…');
    expect(typingLine(['alice', 'bob', 'carol', 'dave'])).toBe('alice, bob and 2 others are typing…');
  });
});

describe('TypingSender', () => {
  it('says "typing" at most once every 3 s while typing, and "stopped" once when emptied or sent', () => {
    let now = 0;
    const told: boolean[] = [];
    const sender = new TypingSender(
      (typing) => told.push(typing),
      () => now,
    );
    sender.input('h');
    now = 1_000;
    sender.input('he');
    now = TYPING_EVERY_MS - 1;
    sender.input('hel');
    expect(told).toEqual([true]);
    now = TYPING_EVERY_MS;
    sender.input('hell');
    expect(told).toEqual([true, true]);
    sender.input('  ');
    sender.input('');
    expect(told).toEqual([true, true, false]);
    sender.input('again');
    sender.stop();
    sender.stop();
    expect(told).toEqual([true, true, false, true, false]);
  });
});
