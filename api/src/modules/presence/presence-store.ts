import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Who has an open socket, across instances. Each instance keeps the set of
 * users it holds sockets for and a heartbeat key with a TTL; a user is online
 * while they are in the set of an instance whose heartbeat lives. Upkeep is
 * one command per instance per heartbeat, whatever the number of users; the
 * sets change only when someone's first socket opens or last one closes.
 */
export interface PresenceStore {
  /** This instance holds a socket of `userId`: true when they were online nowhere before. */
  connect(userId: number): Promise<boolean>;
  /** This instance holds no socket of `userId` any more: true when they are now online nowhere. */
  disconnect(userId: number): Promise<boolean>;
  /** Of `userIds`, those online on some instance. */
  online(userIds: readonly number[]): Promise<Set<number>>;
  /**
   * Refreshes this instance's heartbeat. Returns the users who went offline
   * with an instance that died, and this instance's own users put back after
   * Redis had forgotten them (this instance was taken for dead, or Redis lost
   * its data).
   */
  heartbeat(): Promise<{ gone: number[]; back: number[] }>;
  close(): Promise<void>;
}

/** One instance, no Redis: the same rules in memory. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly users = new Set<number>();

  connect(userId: number) {
    const first = !this.users.has(userId);
    this.users.add(userId);
    return Promise.resolve(first);
  }

  disconnect(userId: number) {
    this.users.delete(userId);
    return Promise.resolve(true);
  }

  online(userIds: readonly number[]) {
    return Promise.resolve(new Set(userIds.filter((id) => this.users.has(id))));
  }

  heartbeat() {
    return Promise.resolve({ gone: [], back: [] });
  }

  close() {
    return Promise.resolve();
  }
}

export class RedisPresenceStore implements PresenceStore {
  private readonly instance = randomBytes(6).toString('hex');
  /** What this instance's set in Redis holds, to put back should Redis forget it. */
  private readonly mine = new Set<number>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /**
     * An instance whose heartbeat is older than this is dead (ms). Two
     * heartbeats: with the one it takes another instance to notice, its
     * people are offline within three heartbeats of its death (60 s by default).
     */
    private readonly ttlMs: number,
  ) {}

  private readonly instancesKey = () => `${this.prefix}presence:instances`;
  private readonly usersKey = (instance: string) => `${this.prefix}presence:users:${instance}`;
  private readonly aliveKey = (instance: string) => `${this.prefix}presence:alive:${instance}`;

  private async otherInstances(): Promise<string[]> {
    return (await this.redis.smembers(this.instancesKey())).filter((instance) => instance !== this.instance);
  }

  private async onlineElsewhere(userId: number): Promise<boolean> {
    const others = await this.otherInstances();
    if (others.length === 0) return false;
    const pipeline = this.redis.pipeline();
    for (const instance of others) pipeline.sismember(this.usersKey(instance), userId);
    const replies = (await pipeline.exec()) ?? [];
    return replies.some(([, member]) => member === 1);
  }

  async connect(userId: number) {
    this.mine.add(userId);
    await this.redis.sadd(this.usersKey(this.instance), userId);
    return !(await this.onlineElsewhere(userId));
  }

  async disconnect(userId: number) {
    this.mine.delete(userId);
    await this.redis.srem(this.usersKey(this.instance), userId);
    return !(await this.onlineElsewhere(userId));
  }

  async online(userIds: readonly number[]) {
    const found = new Set<number>();
    if (userIds.length === 0) return found;
    const instances = await this.redis.smembers(this.instancesKey());
    const pipeline = this.redis.pipeline();
    for (const instance of instances) pipeline.smismember(this.usersKey(instance), ...userIds);
    for (const [, members] of (await pipeline.exec()) ?? []) {
      (members as number[] | null)?.forEach((member, index) => {
        if (member === 1) found.add(userIds[index]!);
      });
    }
    return found;
  }

  async heartbeat() {
    const [, [, added]] = (await this.redis
      .multi()
      .set(this.aliveKey(this.instance), '1', 'PX', this.ttlMs)
      .sadd(this.instancesKey(), this.instance)
      .exec()) as [unknown, [unknown, number]];
    // Not listed although it was: reaped as dead, or Redis lost its data. Its people are still here.
    const back = added === 1 && this.mine.size > 0 ? [...this.mine] : [];
    if (back.length > 0) await this.redis.sadd(this.usersKey(this.instance), ...back);
    const gone: number[] = [];
    for (const instance of await this.otherInstances()) {
      if (await this.redis.exists(this.aliveKey(instance))) continue;
      // One instance reaps a dead one: the lock outlives the reaping.
      const reaping = await this.redis.set(
        `${this.prefix}presence:reap:${instance}`,
        '1',
        'PX',
        this.ttlMs,
        'NX',
      );
      if (reaping !== 'OK') continue;
      const [[, members]] = (await this.redis
        .multi()
        .smembers(this.usersKey(instance))
        .del(this.usersKey(instance))
        .srem(this.instancesKey(), instance)
        .exec()) as [[unknown, string[]], ...unknown[]];
      for (const member of members) {
        const userId = Number(member);
        if (
          !(await this.onlineElsewhere(userId)) &&
          !(await this.redis.sismember(this.usersKey(this.instance), userId))
        )
          gone.push(userId);
      }
    }
    return { gone, back };
  }

  async close() {
    // The heartbeat lapses and another instance reaps this one's users, telling their contacts.
    await this.redis.del(this.aliveKey(this.instance)).catch(() => undefined);
  }
}
