import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Background } from '../../lib/background.ts';

/** Gives back one stream's lease; calling it again does nothing. */
export type Release = () => void;

/**
 * How many `events` streams each person holds, across instances, so that no one
 * person can open more than `max` (each costs a socket's share of memory and,
 * when it resumes, a backlog to read).
 */
export interface StreamLeases {
  /** A lease for one more stream of `userId`, or null when they hold `max` already. */
  acquire(userId: number): Promise<Release | null>;
  close(): void;
}

/** One instance alone: counted in memory. */
export class MemoryStreamLeases implements StreamLeases {
  private readonly held = new Map<number, number>();

  constructor(private readonly max: number) {}

  acquire(userId: number) {
    const count = this.held.get(userId) ?? 0;
    if (count >= this.max) return Promise.resolve(null);
    this.held.set(userId, count + 1);
    let released = false;
    return Promise.resolve(() => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left === 0) this.held.delete(userId);
      else this.held.set(userId, left);
    });
  }

  close() {
    this.held.clear();
  }
}

/**
 * Takes a lease if fewer than ARGV[3] unexpired ones are held: KEYS[1] is the person's
 * sorted set of leases scored by expiry, ARGV[1] now, ARGV[2] the new lease's expiry, ARGV[4]
 * its name. Atomic, so racing opens on several instances cannot pass the cap together.
 */
const ACQUIRE = `
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  return 1`;

/**
 * Leases in Redis, one sorted set per person, each lease named by its instance
 * and scored by when it expires. An instance renews its leases while their
 * streams live; those of an instance that died expire on their own. While
 * Redis cannot answer, this instance counts its own streams instead (the cap
 * then holds per instance), as the rate limiters fall back to memory.
 */
export class RedisStreamLeases implements StreamLeases {
  private readonly instance = randomBytes(6).toString('hex');
  private readonly local: MemoryStreamLeases;
  /** This instance's leases in Redis: the person's key and the lease's name. */
  private readonly leases = new Map<string, string>();
  private sequence = 0;
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly background: Background,
    private readonly leaseMs = 60_000,
  ) {
    this.local = new MemoryStreamLeases(max);
    this.renewal = setInterval(() => this.background(this.renew(), 'renewing stream leases'), leaseMs / 3).unref();
  }

  private key(userId: number) {
    return `${this.prefix}event-streams:${userId}`;
  }

  async acquire(userId: number): Promise<Release | null> {
    const key = this.key(userId);
    const name = `${this.instance}:${++this.sequence}`;
    const now = Date.now();
    let taken: unknown;
    try {
      taken = await this.redis.eval(ACQUIRE, 1, key, now, now + this.leaseMs, this.max, name);
    } catch {
      return this.local.acquire(userId);
    }
    if (taken !== 1) return null;
    this.leases.set(name, key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.leases.delete(name);
      this.background(this.redis.zrem(key, name), 'releasing a stream lease');
    };
  }

  private async renew() {
    if (this.leases.size === 0) return;
    const expiry = Date.now() + this.leaseMs;
    const pipeline = this.redis.pipeline();
    for (const [name, key] of this.leases) pipeline.zadd(key, 'XX', expiry, name).pexpireat(key, expiry);
    await pipeline.exec();
  }

  close() {
    clearInterval(this.renewal);
    this.local.close();
  }
}
