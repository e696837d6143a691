import { describe, expect, it, vi } from 'vitest';
import { ProfileBook, type AvatarLoader } from './profiles.svelte.ts';

const alice = { id: '1', username: 'alice', displayName: 'alice', presence: null };

/** A loader answering from `avatars`, recording what it was asked. */
function loader(avatars: Record<string, string | null>) {
  const asked: string[][] = [];
  const load: AvatarLoader = (ids) => {
    asked.push(ids);
    return Promise.resolve(ids.map((id) => (id in avatars ? { avatarUrl: avatars[id]! } : null)));
  };
  return { asked, load };
}

describe('ProfileBook', () => {
  it('gives a loaded person their newest display name from the stream, until a fresh load', () => {
    const book = new ProfileBook(loader({}).load);
    expect(book.of(alice)).toBe(alice);
    book.onEvent({ id: '1', displayName: 'Alice Liddell', avatarUrl: null });
    expect(book.of(alice)).toEqual({ ...alice, displayName: 'Alice Liddell' });
    expect(book.of({ ...alice, id: '2', username: 'bob', displayName: 'bob' }).displayName).toBe('bob');
    book.forget();
    expect(book.of(alice)).toBe(alice);
  });

  it('asks for the avatars of everyone met in one tick in one query, once, and takes ProfileEvents’ after', async () => {
    const { asked, load } = loader({ '1': '/files/avatars/a/64', '2': null });
    const book = new ProfileBook(load);
    expect([book.avatarOf('1'), book.avatarOf('2'), book.avatarOf('1'), book.avatarOf('3')]).toEqual([null, null, null, null]);
    await vi.waitFor(() => expect(book.avatarOf('1')).toBe('/files/avatars/a/64'));
    expect(asked).toEqual([['1', '2', '3']]);
    expect([book.avatarOf('2'), book.avatarOf('3')]).toEqual([null, null]);
    expect(asked).toHaveLength(1);

    book.onEvent({ id: '2', displayName: 'Bob', avatarUrl: '/files/avatars/b/64' });
    expect(book.avatarOf('2')).toBe('/files/avatars/b/64');
    // A fresh load asks again for everyone known, showing what it had meanwhile.
    book.forget();
    expect(book.avatarOf('1')).toBe('/files/avatars/a/64');
    await vi.waitFor(() => expect(book.avatarOf('2')).toBeNull());
    expect(asked[1]!.sort()).toEqual(['1', '2', '3']);
  });

  it('asks in batches of 100 and again after a failed answer', async () => {
    let fail = true;
    const asked: number[] = [];
    const book = new ProfileBook((ids) => {
      asked.push(ids.length);
      return fail ? Promise.reject(new Error('offline')) : Promise.resolve(ids.map(() => ({ avatarUrl: '/x' })));
    });
    for (let id = 0; id < 150; id++) book.avatarOf(String(id));
    await vi.waitFor(() => expect(asked).toEqual([100, 50]));
    fail = false;
    // Asked again once the failure is known (the next time the person is shown).
    await vi.waitFor(() => {
      book.avatarOf('7');
      expect(asked).toEqual([100, 50, 1]);
    });
    await vi.waitFor(() => expect(book.avatarOf('7')).toBe('/x'));
  });
});
