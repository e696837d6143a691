import { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import {
  checkTimeouts,
  commitSkewMs,
  createDatabase,
  createPool,
  type Database,
  type DatabaseTimeouts,
} from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { applyMigrations } from '../db/migrations.ts';
import type { Background } from '../lib/background.ts';
import { createInProcessBus, type EventBus } from '../realtime/bus.ts';
import { createRedisBus } from '../realtime/redis-bus.ts';
import type { Config } from './config.ts';
import { createJobs, type Jobs } from './jobs.ts';
import type { Lifecycle } from './lifecycle.ts';

/** What the services run on. */
export interface Infrastructure {
  db: Database;
  pool: pg.Pool;
  /** Where search and history pages read: a read replica (DATABASE_REPLICA_URL), else `pool`. */
  replicaPool: pg.Pool;
  bus: EventBus;
  /** Shared counters and presence; absent without REDIS_URL (they live in this process then). */
  redis: Redis | undefined;
  /** Durable jobs in PostgreSQL (pushes). */
  jobs: Jobs;
  databaseKind: 'embedded' | 'external';
  /** See `commitSkewMs`: the bound the resume cursor rests on, from the timeouts PostgreSQL enforces. */
  commitSkewMs: number;
}

export const databaseTimeouts = (config: Config): DatabaseTimeouts => ({
  statementMs: config.DATABASE_STATEMENT_TIMEOUT,
  lockMs: config.DATABASE_LOCK_TIMEOUT,
  idleInTransactionMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT,
});

/**
 * PostgreSQL (the embedded one unless DATABASE_URL names one), migrated and
 * checked to enforce its timeouts; the bus (Redis with REDIS_URL, else in
 * process); and a Redis client for counters and presence.
 */
export async function startInfrastructure(
  config: Config,
  log: Logger,
  background: Background,
  lifecycle: Lifecycle,
): Promise<Infrastructure> {
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres(config.EMBEDDED_PG_DIR, config.EMBEDDED_PG_PORT, (message) =>
      log.warn(message),
    );
    lifecycle.onStop('embedded PostgreSQL', () => embedded.stop());
    databaseUrl = embedded.url;
  }
  const applied = await applyMigrations(databaseUrl);
  if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');

  const timeouts = databaseTimeouts(config);
  const { db, pool } = createDatabase(databaseUrl, { poolSize: config.DATABASE_POOL_SIZE, timeouts });
  lifecycle.onStop('database pool', () => db.$disconnect());
  await checkTimeouts(pool, timeouts);
  let replicaPool = pool;
  if (config.DATABASE_REPLICA_URL) {
    const replica = createPool(config.DATABASE_REPLICA_URL, {
      poolSize: config.DATABASE_POOL_SIZE,
      timeouts,
    });
    lifecycle.onStop('replica pool', () => replica.end());
    await checkTimeouts(replica, timeouts);
    replicaPool = replica;
  }

  const jobs = await createJobs(databaseUrl, log);
  lifecycle.onStop('job queue', () => jobs.stop());

  const bus = config.REDIS_URL
    ? await createRedisBus(config.REDIS_URL, config.REDIS_KEY_PREFIX, log, background)
    : createInProcessBus(log);
  lifecycle.onStop('bus', () => bus.close());

  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 })
    : undefined;
  if (redis) {
    redis.on('error', (error) => log.debug({ err: error }, 'redis error (counters, presence)'));
    lifecycle.onStop('redis', () => redis.quit().catch(() => redis.disconnect()));
    // It queues nothing while not connected, so whatever ran before it was up failed: the first
    // presence heartbeat (the instance went unlisted, its people offline, until the next one)
    // and the first rate-limit counts (kept in memory instead). Redis answers the bus already.
    if (redis.status !== 'ready') await new Promise((ready) => redis.once('ready', ready));
  }
  return {
    db,
    pool,
    replicaPool,
    bus,
    redis,
    jobs,
    databaseKind: config.DATABASE_URL ? 'external' : 'embedded',
    commitSkewMs: commitSkewMs(timeouts),
  };
}
