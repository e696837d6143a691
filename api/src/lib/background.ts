import type { Logger } from 'pino';
import { LogThrottle } from './log-throttle.ts';

/**
 * Starts work that nobody waits for (a timer's callback, a repair after the
 * answer went out). Its failure is logged, a few lines a minute for each
 * `what`, and never becomes an unhandled rejection: Node ends the process on
 * one, and PostgreSQL being away must not end the process.
 */
export type Background = (work: Promise<unknown>, what: string) => void;

export function backgroundRunner(log: Pick<Logger, 'warn'>, throttle = new LogThrottle()): Background {
  return (work, what) => {
    work.catch((error: unknown) => throttle.warn(log, what, { err: error, task: what }, `${what} failed`));
  };
}
