import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Database = PrismaClient;

/**
 * A request waits at most this long for a connection or a query: when PostgreSQL
 * is unreachable or the network stalls, a send fails fast with UNAVAILABLE
 * instead of hanging.
 */
const DATABASE_TIMEOUT_MS = 4_000;

/**
 * A Prisma client over node-postgres (no query-engine binary), and its pool:
 * the one pool of the instance, which the send path also uses directly for
 * its prepared statements. `$disconnect` ends both.
 */
export function createDatabase(connectionString: string, poolSize: number): { db: Database; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: DATABASE_TIMEOUT_MS,
    query_timeout: DATABASE_TIMEOUT_MS,
  });
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  return { db, pool };
}

/** Runs `work` in a transaction on one of the pool's connections: committed if it returns, else rolled back. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

const UNREACHABLE_CODES = new Set([
  // Prisma: can't reach / timed out / closed the connection / pool timeout
  'P1001',
  'P1002',
  'P1017',
  'P2024',
  // node-postgres and the OS
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  // PostgreSQL: shutting down, cannot connect now
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Whether an error means the database could not be reached (worth a retry) rather than a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Object && depth < 6; depth++) {
    const { code, kind, message, cause, meta } = current as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      /** Where Prisma puts the driver's error when a raw query fails (P2010). */
      meta?: { driverAdapterError?: unknown };
    };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (kind === 'DatabaseNotReachable' || kind === 'ConnectionClosed' || kind === 'SocketTimeout')
      return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Can't reach database/i.test(
        message,
      )
    )
      return true;
    current = cause ?? meta?.driverAdapterError;
  }
  return false;
}
