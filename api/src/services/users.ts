import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import { AppError, badInput } from './errors.ts';
import { usernameKey, validateUsername } from './validation.ts';

export interface UserRef {
  id: number;
  username: string;
}

const CACHED_USERS = 50_000;

/**
 * Looks people up by username. Usernames never change and accounts are never
 * deleted, so a found user can be cached for the life of the process: the
 * send path then needs no query to find the recipient.
 */
export class UserDirectory {
  private readonly byKey = new LRUCache<string, UserRef>({ max: CACHED_USERS });

  constructor(private readonly db: Database) {}

  async findByUsername(username: string, field: string): Promise<UserRef> {
    validateUsername(username, field);
    const key = usernameKey(username);
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const user = await this.db.user.findUnique({
      where: { usernameKey: key },
      select: { id: true, username: true },
    });
    if (!user) throw new AppError('NOT_FOUND', `There is no user named "${username}".`, { field });
    this.byKey.set(key, user);
    return user;
  }

  /** The other person of a 1:1 conversation; never the viewer themself. */
  async findPeer(viewer: UserRef, username: string, field: string): Promise<UserRef> {
    const peer = await this.findByUsername(username, field);
    if (peer.id === viewer.id) throw badInput(field, 'You cannot message yourself.');
    return peer;
  }
}
