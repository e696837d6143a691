import { SvelteMap } from 'svelte/reactivity';
import type { Named } from '../names.ts';

/**
 * People's display names: what the conversations loaded with, updated by the stream's
 * ProfileEvents until the next fresh load from the server (as presence is).
 */
export class ProfileBook {
  #live = new SvelteMap<string, string>();

  /** A loaded person, with their newest display name. */
  of<T extends Named & { id: string }>(user: T): T {
    const displayName = this.#live.get(user.id);
    return displayName === undefined || displayName === user.displayName ? user : { ...user, displayName };
  }

  onEvent(user: { id: string; displayName: string }) {
    this.#live.set(user.id, user.displayName);
  }

  /** Fresh conversations came from the server: what they carry is the truth again. */
  forget() {
    this.#live.clear();
  }
}
