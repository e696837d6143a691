import type pg from 'pg';
import type { Database } from '../../db/client.ts';
import { badInput } from '../../domain/errors.ts';
import type { UserRef } from '../../domain/people.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import { blockedEitherWay } from './blocks.sql.ts';

/**
 * Blocking, both ways: once either of two people blocks the other, neither
 * can message the other directly nor see the other's presence, typing or
 * read position, and the blocked one cannot add the blocker to a group.
 * History before the block stays; unblocking restores everything.
 */
/** A bound on what `blockedUsers` returns, and so on its cost. */
export const MAX_BLOCKS = 1_000;

export class BlockService {
  constructor(
    private readonly db: Database,
    private readonly pool: pg.Pool,
    private readonly users: UserDirectory,
    private readonly bus: EventBus,
  ) {}

  async block(viewer: UserRef, username: string): Promise<UserRef> {
    const other = await this.other(viewer, username);
    if ((await this.db.block.count({ where: { blockerId: viewer.id } })) >= MAX_BLOCKS)
      throw badInput('username', `You can block at most ${MAX_BLOCKS.toLocaleString('en')} people: unblock someone first.`);
    const { count } = await this.db.block.createMany({
      data: [{ blockerId: viewer.id, blockedId: other.id }],
      skipDuplicates: true,
    });
    if (count > 0) await this.tellBoth(viewer, other);
    return other;
  }

  async unblock(viewer: UserRef, username: string): Promise<UserRef> {
    const other = await this.other(viewer, username);
    const { count } = await this.db.block.deleteMany({ where: { blockerId: viewer.id, blockedId: other.id } });
    if (count > 0) await this.tellBoth(viewer, other);
    return other;
  }

  /** Both people's open screens change at once: each hears of the other (and the blocker's other tabs too). */
  private async tellBoth(viewer: UserRef, other: UserRef) {
    const about = (user: UserRef) => ({ type: 'relationship' as const, user: { id: user.id, username: user.username } });
    await Promise.all([this.bus.publishToUsers([other.id], about(viewer)), this.bus.publishToUsers([viewer.id], about(other))]);
  }

  /** Of `others`, those between whom and `user` there is a block either way. */
  async blockedAmong(user: number, others: readonly number[]): Promise<Set<number>> {
    if (others.length === 0) return new Set();
    const rows = await blockedEitherWay(this.pool, user, [...others]);
    return new Set(rows.map((row) => row.id));
  }

  async between(a: number, b: number): Promise<boolean> {
    return (await this.blockedAmong(a, [b])).size > 0;
  }

  /** Of `others`, those who blocked `user` (one way: for group invitations). */
  async blockersOf(user: number, others: readonly number[]): Promise<number[]> {
    const rows = await this.db.block.findMany({
      where: { blockedId: user, blockerId: { in: [...others] } },
      select: { blockerId: true },
    });
    return rows.map((row) => row.blockerId);
  }

  private async other(viewer: UserRef, username: string): Promise<UserRef> {
    const other = await this.users.findByUsername(username, 'username');
    if (other.id === viewer.id) throw badInput('username', 'You cannot block yourself.');
    return other;
  }
}
