import type { Database } from '../db/client.ts';
import { badInput } from './errors.ts';
import type { UserDirectory, UserRef } from './users.ts';

/**
 * Blocking, both ways: once either of two people blocks the other, neither
 * can message the other directly nor see the other's presence, typing or
 * read position, and the blocked one cannot add the blocker to a group.
 * History before the block stays; unblocking restores everything.
 */
export class BlockService {
  constructor(
    private readonly db: Database,
    private readonly users: UserDirectory,
  ) {}

  async block(viewer: UserRef, username: string): Promise<UserRef> {
    const other = await this.other(viewer, username);
    await this.db.block.createMany({
      data: [{ blockerId: viewer.id, blockedId: other.id }],
      skipDuplicates: true,
    });
    return other;
  }

  async unblock(viewer: UserRef, username: string): Promise<UserRef> {
    const other = await this.other(viewer, username);
    await this.db.block.deleteMany({ where: { blockerId: viewer.id, blockedId: other.id } });
    return other;
  }

  /** The people the viewer blocked, by name. */
  async blockedBy(viewer: UserRef): Promise<UserRef[]> {
    const rows = await this.db.block.findMany({
      where: { blockerId: viewer.id },
      select: { blocked: { select: { id: true, username: true } } },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => row.blocked);
  }

  /** Of `others`, those between whom and `user` there is a block either way. */
  async blockedAmong(user: number, others: readonly number[]): Promise<Set<number>> {
    if (others.length === 0) return new Set();
    const rows = await this.db.$queryRaw<Array<{ id: number }>>`
      SELECT blocked_id AS id FROM blocks WHERE blocker_id = ${user} AND blocked_id = ANY(${others}::int[])
      UNION
      SELECT blocker_id AS id FROM blocks WHERE blocked_id = ${user} AND blocker_id = ANY(${others}::int[])`;
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
