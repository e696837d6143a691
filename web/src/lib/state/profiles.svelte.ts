import { SvelteMap } from 'svelte/reactivity';
import { background } from '../background.ts';
import type { Named } from '../names.ts';

/** Reads people's avatar URLs by id, in the order asked (null for no one). */
export type AvatarLoader = (ids: string[]) => Promise<ReadonlyArray<{ avatarUrl: string | null } | null>>;

/** People asked for in one query at most (the server's `usersById` limit). */
const BATCH = 100;

/**
 * People's display names and avatars. Names: what the conversations loaded with, updated by the
 * stream's ProfileEvents until the next fresh load (as presence is). Avatars are not in messages
 * (that would cost a query per delivered message): the first time a person is shown their avatar
 * is asked for, with everyone else met in the same tick, in one `usersById` query; ProfileEvents
 * then keep it current.
 */
export class ProfileBook {
  #live = new SvelteMap<string, string>();
  #avatars = new SvelteMap<string, string | null>();
  /** Asked for, or being: not asked again until an answer fails or a fresh load. */
  #requested = new Set<string>();
  #wanted = new Set<string>();

  constructor(private readonly load: AvatarLoader) {}

  /** A loaded person, with their newest display name. */
  of<T extends Named & { id: string }>(user: T): T {
    const displayName = this.#live.get(user.id);
    return displayName === undefined || displayName === user.displayName ? user : { ...user, displayName };
  }

  /** A person's avatar URL; null while unknown (asked for) or when they have none. */
  avatarOf(id: string): string | null {
    const url = this.#avatars.get(id);
    if (url === undefined && !this.#requested.has(id)) this.#want([id]);
    return url ?? null;
  }

  onEvent(user: { id: string; displayName: string; avatarUrl: string | null }) {
    this.#live.set(user.id, user.displayName);
    this.#avatars.set(user.id, user.avatarUrl);
  }

  /** Fresh conversations came from the server: what they carry is the truth again; avatars shown are asked for again. */
  forget() {
    this.#live.clear();
    this.#requested.clear();
    this.#want([...this.#avatars.keys()]);
  }

  #want(ids: string[]) {
    if (ids.length === 0) return;
    // Called while rendering: the query goes out after it, with every person the render met.
    if (this.#wanted.size === 0) queueMicrotask(() => background(this.#flush(), 'Loading avatars'));
    for (const id of ids) {
      this.#requested.add(id);
      this.#wanted.add(id);
    }
  }

  async #flush() {
    const ids = [...this.#wanted];
    this.#wanted.clear();
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      try {
        const users = await this.load(batch);
        batch.forEach((id, index) => this.#avatars.set(id, users[index]?.avatarUrl ?? null));
      } catch {
        // Shown with initials; asked again the next time they are shown.
        for (const id of batch) this.#requested.delete(id);
      }
    }
  }
}
