import { SvelteMap } from 'svelte/reactivity';
import type { Presence } from '../graphql/documents/fragments.ts';

/**
 * People's presence: what the conversations loaded with (`User.presence`), updated by the
 * stream's PresenceEvents until the next fresh load from the server.
 */
export class PresenceBook {
  #live = new SvelteMap<string, Presence | null>();

  /** A loaded user's presence, or newer news of it; null when hidden. */
  of(user: { id: string; presence: Presence | null }): Presence | null {
    return this.#live.has(user.id) ? (this.#live.get(user.id) ?? null) : user.presence;
  }

  onEvent(userId: string, presence: Presence | null) {
    this.#live.set(userId, presence);
  }

  /** Fresh conversations came from the server: what they carry is the truth again. */
  forget() {
    this.#live.clear();
  }
}

const MINUTE = 60_000;

/** "online", "last seen 5 min ago", "last seen 3 h ago", "last seen yesterday", "last seen on 12 Nov"; null when hidden. */
export function presenceText(presence: Presence | null, now: number): string | null {
  if (!presence) return null;
  if (presence.online) return 'online';
  if (!presence.lastSeenAt) return 'offline';
  const seen = new Date(presence.lastSeenAt);
  const minutes = Math.max(0, Math.floor((now - seen.getTime()) / MINUTE));
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `last seen ${hours} h ago`;
  if (hours < 48) return 'last seen yesterday';
  return `last seen on ${seen.toLocaleDateString([], { day: 'numeric', month: 'short' })}`;
}
