import { describe, expect, it } from 'vitest';
import { ProfileBook } from './profiles.svelte.ts';

const alice = { id: '1', username: 'alice', displayName: 'alice', presence: null };

describe('ProfileBook', () => {
  it('gives a loaded person their newest display name from the stream, until a fresh load', () => {
    const book = new ProfileBook();
    expect(book.of(alice)).toBe(alice);
    book.onEvent({ id: '1', displayName: 'Alice Liddell' });
    expect(book.of(alice)).toEqual({ ...alice, displayName: 'Alice Liddell' });
    expect(book.of({ ...alice, id: '2', username: 'bob', displayName: 'bob' }).displayName).toBe('bob');
    book.forget();
    expect(book.of(alice)).toBe(alice);
  });
});
