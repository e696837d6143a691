import { pino, type Logger } from 'pino';
import { backgroundRunner } from '../lib/background.ts';
import { openFileStorage } from '../modules/files/open-storage.ts';
import { Drain } from '../transports/drain.ts';
import { SocketRegistry } from '../transports/ws/socket-registry.ts';
import type { Config } from './config.ts';
import { startHttpServer } from './http-server.ts';
import { startInfrastructure } from './infrastructure.ts';
import { Lifecycle } from './lifecycle.ts';
import { createServices } from './services.ts';

export interface RunningApp {
  url: string;
  /** What the instance runs on, for the start-up banner. */
  database: 'embedded' | 'external';
  pubsub: 'redis' | 'in-process';
}

export interface App {
  /** Starts everything; a start that fails part-way stops what it had started, then throws. */
  start(): Promise<RunningApp>;
  /** Stops accepting, closes sockets with 1001 (going away), lets in-flight work finish, releases everything. */
  stop(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
  /**
   * The time the rules that depend on it read (an edit window): the system clock, or a test's
   * own, so that a test moves time instead of waiting for it.
   */
  clock?: () => number;
}

/** Builds the whole server from a validated config; nothing here reads the process. */
export function buildApp(config: Config, options: AppOptions = {}): App {
  const log = options.log ?? pino({ level: config.LOG_LEVEL });
  const clock = options.clock ?? Date.now;
  const lifecycle = new Lifecycle(log);
  return {
    start: async () => {
      try {
        return await start(config, log, clock, lifecycle);
      } catch (error) {
        await lifecycle.stop();
        throw error;
      }
    },
    stop: () => lifecycle.stop(),
  };
}

/** How often sockets' sessions are re-checked in PostgreSQL while the bus cannot carry revocations. */
const SESSION_RECHECK_MS = 1_000;

/** How often mail due for a retry (or queued by another instance) is looked for. */
const MAIL_POLL_MS = 2_000;

async function start(config: Config, log: Logger, clock: () => number, lifecycle: Lifecycle): Promise<RunningApp> {
  const background = backgroundRunner(log);
  const infrastructure = await startInfrastructure(config, log, background, lifecycle);
  const { bus } = infrastructure;
  const files = await openFileStorage(config);
  lifecycle.onStop('file storage', files.close);
  let publicUrl = config.PUBLIC_URL?.replace(/\/+$/, '');
  const services = createServices(infrastructure, config, log, background, clock, files.storage, () => publicUrl ?? '');
  const sockets = new SocketRegistry(config.WS_MAX_SOCKETS_PER_USER, services.presence);
  lifecycle.onStop(
    'closing revoked sessions’ sockets',
    services.sessions.onRevoked((sessionIds) => sockets.closeSessions(sessionIds)),
  );

  await services.users.backfillSkeletons(log);
  services.typing.start();
  lifecycle.onStop('typing', () => services.typing.close());
  await services.push.start();
  await services.presence.start();
  lifecycle.onStop('presence', () => services.presence.stop());
  lifecycle.onStop(
    'session revocations',
    await bus.subscribe('sessions:revoked', ({ sessionIds }) => services.sessions.revoked(sessionIds)),
  );
  // Revocations published while our bus was down are lost: ask PostgreSQL instead.
  lifecycle.onStop(
    'session re-check',
    bus.onResync(() => {
      services.sessions.forgetCached();
      background(
        sockets.closeEndedSessions((sessionIds) => services.sessions.standing(sessionIds)),
        'checking open sockets’ sessions',
      );
    }),
  );
  // While the bus is down or silent, revocations may not reach this instance through it: its
  // sockets' sessions are looked up in PostgreSQL instead, every second, until it is back.
  const recheck = setInterval(() => {
    if (!bus.healthy)
      background(
        sockets.closeEndedSessions((sessionIds) => services.sessions.standing(sessionIds)),
        'checking open sockets’ sessions',
      );
  }, SESSION_RECHECK_MS).unref();
  lifecycle.onStop('session re-check while the bus is down', () => clearInterval(recheck));
  lifecycle.onStop(
    'session sweep',
    services.sessions.startSweep(config.SESSION_SWEEP_INTERVAL, (error) =>
      log.warn({ err: error }, 'expired-session sweep failed'),
    ),
  );

  lifecycle.onStop('files sweep', services.files.startSweep(config.FILES_SWEEP_INTERVAL));
  lifecycle.onStop('mail delivery', services.mailer.start(MAIL_POLL_MS));

  const url = await startHttpServer(
    { config, log, services, sockets, drain: new Drain(), background },
    lifecycle,
  );
  publicUrl ??= url;
  return { url, database: infrastructure.databaseKind, pubsub: bus.kind };
}
