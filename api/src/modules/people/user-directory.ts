import type pg from 'pg';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { isUniqueViolation, type Database } from '../../db/client.ts';
import { AppError, badInput } from '../../domain/errors.ts';
import type { UserRef } from '../../domain/people.ts';
import { usernameKey, usernameSkeleton, validateUsername } from '../../domain/validation.ts';
import { fillSkeletons } from './people.sql.ts';

const CACHED_USERS = 50_000;
const BACKFILL_BATCH = 1_000;

/**
 * Looks people up by username and id. Usernames never change and a deleted account keeps its
 * row (and name), so a found user can be cached for the life of the process: the send path then
 * needs no query to find the recipient. A deleted account is found by id (its old messages name
 * it) but not by username, so nobody starts anything new with it.
 */
export class UserDirectory {
  private readonly byKey = new LRUCache<string, UserRef>({ max: CACHED_USERS });
  private readonly byId = new LRUCache<number, UserRef>({ max: CACHED_USERS });

  constructor(
    private readonly db: Database,
    private readonly pool: pg.Pool,
  ) {}

  async findByUsername(username: string, field: string): Promise<UserRef> {
    validateUsername(username, field);
    const key = usernameKey(username);
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const user = await this.db.user.findUnique({
      where: { usernameKey: key, deletedAt: null },
      select: { id: true, username: true },
    });
    if (!user) throw new AppError('NOT_FOUND', `There is no user named "${username}".`, { field });
    this.byKey.set(key, user);
    return user;
  }

  /** A deleted account: no longer found by its username on this instance. */
  forget(user: UserRef) {
    this.byKey.delete(usernameKey(user.username));
  }

  /** People by id (message senders), from the cache where it has them, the rest in one query. */
  async byIds(ids: Iterable<number>): Promise<Map<number, UserRef>> {
    const found = new Map<number, UserRef>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      const cached = this.byId.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const rows = await this.db.user.findMany({
        where: { id: { in: missing } },
        select: { id: true, username: true },
      });
      for (const user of rows) {
        this.byId.set(user.id, user);
        found.set(user.id, user);
      }
    }
    return found;
  }

  /** The other person of a 1:1 conversation; never the viewer themself. */
  async findPeer(viewer: UserRef, username: string, field: string): Promise<UserRef> {
    const peer = await this.findByUsername(username, field);
    if (peer.id === viewer.id) throw badInput(field, 'You cannot message yourself.');
    return peer;
  }

  /**
   * Gives accounts made before usernames had skeletons theirs (SQL cannot compute UTS #39
   * skeletons, so the migration leaves them NULL). Idempotent and safe beside other instances:
   * only NULL rows are touched, oldest first, and a skeleton already taken is left alone, so of
   * two existing look-alikes the older keeps it and the newer stays NULL (reported, not renamed).
   */
  async backfillSkeletons(log: Logger): Promise<void> {
    let afterId = 0;
    for (;;) {
      const batch = await this.db.user.findMany({
        where: { usernameSkeleton: null, id: { gt: afterId } },
        select: { id: true, username: true },
        orderBy: { id: 'asc' },
        take: BACKFILL_BATCH,
      });
      if (batch.length === 0) break;
      afterId = batch[batch.length - 1]!.id;
      const firstBySkeleton = new Map<string, number>();
      for (const user of batch) {
        const skeleton = usernameSkeleton(user.username);
        if (!firstBySkeleton.has(skeleton)) firstBySkeleton.set(skeleton, user.id);
      }
      await this.fillSkeletons([...firstBySkeleton.values()], [...firstBySkeleton.keys()]);
    }
    const unfilled = await this.db.user.count({ where: { usernameSkeleton: null } });
    if (unfilled > 0)
      log.warn(
        { accounts: unfilled },
        'existing accounts whose usernames look like older ones keep no skeleton',
      );
  }

  private async fillSkeletons(ids: number[], skeletons: string[], retries = 3): Promise<void> {
    try {
      await fillSkeletons(this.pool, ids, skeletons);
    } catch (error) {
      // A signup (or another instance) took one of these skeletons meanwhile: the retry skips it.
      if (retries > 0 && isUniqueViolation(error)) return this.fillSkeletons(ids, skeletons, retries - 1);
      throw error;
    }
  }
}
