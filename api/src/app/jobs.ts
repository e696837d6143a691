import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';

/** How a queue retries a job whose handler threw: `retryLimit` more tries, the delay doubling from `retryDelaySeconds`. */
export interface QueueRetries {
  retryLimit: number;
  retryDelaySeconds: number;
  /** The longest delay between two tries. */
  retryDelayMaxSeconds: number;
}

/**
 * Durable background jobs, kept in PostgreSQL (pg-boss, in its own `pgboss` schema): a job sent
 * survives a restart of the instance that sent it, any instance may run it, and a handler that
 * throws has it retried with backoff. No new infrastructure: the chat's own database.
 */
export interface Jobs {
  /** Declares a queue (idempotent; every instance does it at start) and runs its jobs here, `concurrency` at a time. */
  work<Data extends object>(
    queue: string,
    options: QueueRetries & { concurrency: number },
    handler: (data: Data) => Promise<void>,
  ): Promise<void>;
  /** Stores a job; it runs on some instance once stored (after `delaySeconds`). */
  send(queue: string, data: object, options?: { delaySeconds?: number }): Promise<void>;
  /** Stops taking jobs and waits (bounded) for the running ones; a job cut off runs again elsewhere or later. */
  stop(): Promise<void>;
}

/** How often each worker looks for jobs whose time has come (a delayed retry). */
const POLL_SECONDS = 2;

/** How long stop() lets running jobs finish. */
const STOP_GRACE_MS = 5_000;

export async function createJobs(databaseUrl: string, log: Logger): Promise<Jobs> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: 4,
    // Workers of notify-enabled queues wake on NOTIFY at once rather than at their next poll.
    useListenNotify: true,
    schedule: false,
  });
  boss.on('error', (error: unknown) => log.warn({ err: error }, 'job queue error'));
  await boss.start();
  return {
    async work(queue, options, handler) {
      await boss.createQueue(queue, {
        notify: true,
        retryLimit: options.retryLimit,
        retryDelay: options.retryDelaySeconds,
        retryBackoff: true,
        retryDelayMax: options.retryDelayMaxSeconds,
        expireInSeconds: 300,
      });
      await boss.work<object>(
        queue,
        // A new job wakes a worker by NOTIFY; polling finds the ones whose delay ran out (retries).
        { localConcurrency: options.concurrency, pollingIntervalSeconds: POLL_SECONDS, notifyPollingIntervalSeconds: POLL_SECONDS },
        async ([job]) => {
          await handler(job!.data as Parameters<typeof handler>[0]);
        },
      );
    },
    async send(queue, data, options = {}) {
      await boss.send(queue, data, options.delaySeconds ? { startAfter: options.delaySeconds } : {});
    },
    stop: () => boss.stop({ graceful: true, timeout: STOP_GRACE_MS, close: true }),
  };
}
