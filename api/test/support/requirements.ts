/**
 * The pretest of `npm test` and (with `--browser`) of `npm run test:e2e`: names everything the
 * tests need that this machine lacks, with the command that gets it, and fails — nothing is
 * skipped for want of it.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { CHROMIUM } from '../../../web/e2e/browser.ts';
import { NGINX } from './nginx.ts';
import { testRedisUrl } from './server.ts';

const missing: string[] = [];
const packages: string[] = [];

const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24) missing.push(`Node.js 24 or newer (this is ${process.version})`);
if (!existsSync(NGINX)) {
  missing.push(`nginx at ${NGINX}, for the nginx tests (NGINX_BINARY names another)`);
  packages.push('nginx');
}
if (process.argv.includes('--browser') && !existsSync(CHROMIUM)) {
  missing.push(`Chromium at ${CHROMIUM}, for the browser tests (CHROMIUM_PATH names another)`);
  packages.push('chromium');
}
const redisUrl = testRedisUrl();
const redis = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
let redisError: unknown;
redis.on('error', (error) => (redisError = error));
try {
  await redis.connect();
  await redis.ping();
} catch (error) {
  missing.push(
    `Redis at ${redisUrl}, for the multi-instance tests (REDIS_URL names another): ${String(redisError ?? error)}; ` +
      'start one with `redis-server --daemonize yes --save "" --appendonly no`',
  );
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => existsSync(join(dir, 'redis-server')));
  if (!onPath) packages.push('redis-server');
} finally {
  redis.disconnect();
}

if (missing.length > 0) {
  console.error(
    `The tests need what this machine lacks:\n${missing.map((line) => `  - ${line}`).join('\n')}`,
  );
  if (packages.length > 0) console.error(`Install: apt-get install -y ${packages.join(' ')}`);
  process.exitCode = 1;
}
