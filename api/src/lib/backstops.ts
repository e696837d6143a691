import type { Logger } from 'pino';
import { LogThrottle } from './log-throttle.ts';

/** What `installBackstops` needs of the process. */
export interface ProcessEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error) => void): unknown;
  exit(code: number): void;
}

/**
 * The last line of defence, for a failure that every other guard missed (work
 * nobody awaits goes through `Background`; lint refuses a bare `void promise`).
 * A rejection nobody handled is logged and the instance keeps serving: it
 * ended one piece of work, not the process's state. An exception nobody caught
 * may have left any state half-changed: it is logged and the process exits, for
 * the supervisor to start a clean one.
 */
export function installBackstops(target: ProcessEvents, log: Pick<Logger, 'error' | 'fatal'>) {
  const throttle = new LogThrottle();
  target.on('unhandledRejection', (reason) => {
    if (throttle.take('unhandled rejection'))
      log.error({ err: reason }, 'unhandled rejection (a bug: work that nobody waited for failed); still serving');
  });
  target.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception; exiting');
    target.exit(1);
  });
}
