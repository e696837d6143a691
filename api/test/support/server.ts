import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { buildApp } from '../../src/app/app.ts';
import { loadConfig } from '../../src/app/config.ts';

export interface TestServer {
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** The Redis every machine of this project runs; REDIS_URL overrides it. */
export const testRedisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh namespace, so concurrent test files sharing one Redis never hear each other. */
export const uniqueRedisPrefix = () => `chat-test-${randomBytes(4).toString('hex')}:`;

/**
 * The real server on a random port. Uses Redis when REDIS_URL is set or the
 * test asks for it (`redis: true`), else the in-process bus. Send limits are
 * raised so that load-shaped tests measure behaviour, not the limiter.
 */
export async function startTestServer(options: {
  databaseUrl: string;
  redis?: boolean | { url: string; prefix: string };
  env?: Record<string, string>;
  /** Where the server logs, for tests that read its log; by default a pino at TEST_LOG_LEVEL. */
  log?: Logger;
  /** The server's clock for time-bound rules (an edit window), for a test that moves time. */
  clock?: () => number;
}): Promise<TestServer> {
  const redis =
    options.redis === true || (options.redis === undefined && process.env.REDIS_URL)
      ? { url: testRedisUrl(), prefix: uniqueRedisPrefix() }
      : options.redis || undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: redis?.url,
    REDIS_KEY_PREFIX: redis?.prefix,
    SENDS_PER_USER_BURST: '100000',
    SENDS_PER_USER_PER_MINUTE: '1000000',
    SIGNUPS_PER_ADDRESS_PER_HOUR: '100000',
    LOGIN_FAILURES_PER_ADDRESS: '100000',
    // Stand-in pages with the forms and error marker the web client's build has.
    WEB_DIST_DIR: resolve(import.meta.dirname, '../fixtures/web-dist'),
    ...options.env,
  });
  const app = buildApp(config, { log: options.log ?? pino({ level: config.LOG_LEVEL }), clock: options.clock });
  const { url } = await app.start();
  return { url, wsUrl: `${url.replace(/^http/, 'ws')}/graphql`, stop: () => app.stop() };
}
