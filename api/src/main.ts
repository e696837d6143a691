import { pino } from 'pino';
import { buildApp } from './app/app.ts';
import { ConfigError, loadConfig } from './app/config.ts';
import { installBackstops } from './lib/backstops.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = pino({ level: config.LOG_LEVEL });
installBackstops(process, log);
const app = buildApp(config, { log });
const running = await app.start();
log.info(
  { database: running.database, pubsub: running.pubsub },
  `chat listening on ${running.url} (GraphQL at ${running.url}/graphql) — database: ${running.database}, pubsub: ${running.pubsub}`,
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // The drain has its own deadline; this one covers a close that hangs after it.
    setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT + 5_000).unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
