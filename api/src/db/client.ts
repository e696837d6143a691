import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type Database = PrismaClient;

/** What the statement helpers run on: the pool, or one of its connections inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Time limits PostgreSQL itself enforces on every pooled connection (Prisma's
 * and node-postgres's are one pool). They bound how long a write can take
 * from its timestamp to its commit, which the resume cursor relies on
 * (`commitSkewMs`); a limit a client only hopes for would not.
 */
export interface DatabaseTimeouts {
  /** Any one statement, COMMIT included. */
  statementMs: number;
  /** Waiting for a row lock (a busy group's sends take turns on its row). */
  lockMs: number;
  /** A transaction whose client went quiet (a stalled network, a paused process) is ended, and rolled back. */
  idleInTransactionMs: number;
}

/**
 * The longest a write can take from the timestamp it stamps under the
 * conversation's lock to its commit: the rest of its statement, the client's
 * pause before COMMIT, the COMMIT itself, and a margin for the clocks of
 * several instances and the database disagreeing. Every message write is the
 * last statement of its transaction, so nothing else can come in between.
 */
export const commitSkewMs = (timeouts: DatabaseTimeouts) =>
  2 * timeouts.statementMs + timeouts.idleInTransactionMs + CLOCK_MARGIN_MS;

const CLOCK_MARGIN_MS = 5_000;

/**
 * A request waits at most this long for a connection or an answer: when
 * PostgreSQL is unreachable or the network stalls, a send fails fast with
 * UNAVAILABLE ("not known to be stored: retry with the same clientId")
 * instead of hanging.
 */
const clientWaitMs = (timeouts: DatabaseTimeouts) => Math.max(1_000, timeouts.statementMs - 1_000);

/**
 * A Prisma client over node-postgres (no query-engine binary), and its pool:
 * the one pool of the instance, which the statement helpers (`db/sql.ts`) use
 * directly. `$disconnect` ends both.
 */
export function createDatabase(
  connectionString: string,
  options: { poolSize: number; timeouts: DatabaseTimeouts },
): { db: Database; pool: pg.Pool } {
  const pool = createPool(connectionString, options);
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  return { db, pool };
}

/** A node-postgres pool with the timeouts above: the instance's, or one on a read replica. */
export function createPool(
  connectionString: string,
  options: { poolSize: number; timeouts: DatabaseTimeouts },
) {
  const { timeouts } = options;
  return new pg.Pool({
    connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: clientWaitMs(timeouts),
    query_timeout: clientWaitMs(timeouts),
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
  });
}

/**
 * Refuses to run on connections where PostgreSQL does not enforce the
 * timeouts asked for (a pooler that drops start-up parameters, say): the
 * resume cursor would then promise more than holds.
 */
export async function checkTimeouts(pool: Queryable, timeouts: DatabaseTimeouts): Promise<void> {
  const { rows } = await pool.query<Record<string, string>>(`
    SELECT current_setting('statement_timeout') AS "statementMs",
           current_setting('lock_timeout') AS "lockMs",
           current_setting('idle_in_transaction_session_timeout') AS "idleInTransactionMs"`);
  const actual = rows[0]!;
  const wrong = (Object.keys(timeouts) as Array<keyof DatabaseTimeouts>).filter(
    (name) => settingMs(actual[name]!) !== timeouts[name],
  );
  if (wrong.length > 0)
    throw new Error(
      `PostgreSQL does not enforce the configured timeouts (${wrong
        .map((name) => `${name}: asked ${timeouts[name]} ms, in force ${actual[name]}`)
        .join('; ')}): connect directly or through a pooler that passes start-up parameters.`,
    );
}

/** A duration setting as PostgreSQL shows it ("5s", "500ms", "1min", "0") in ms. */
function settingMs(shown: string): number {
  const match = /^(\d+)(ms|s|min|h|d)?$/.exec(shown.trim());
  if (!match) return Number.NaN;
  const unit = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * unit;
}

/** Whether a write failed on a unique index (through Prisma or node-postgres). */
export const isUniqueViolation = (error: unknown) =>
  (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') ||
  (error instanceof pg.DatabaseError && error.code === '23505');

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
  // PostgreSQL: shutting down, cannot connect now, and the timeouts above (the statement was
  // cancelled, a lock or an idle transaction timed out): nothing was committed, try again.
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '55P03',
  '25P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Whether an error means the database could not serve the request now (worth a retry) rather than a bug. */
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
