import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installBackstops } from './backstops.ts';

function fakeProcess() {
  const events = new EventEmitter();
  const exits: number[] = [];
  return Object.assign(events, { exit: (code: number) => void exits.push(code), exits });
}

describe('installBackstops', () => {
  it('logs an unhandled rejection and keeps the process running', () => {
    const target = fakeProcess();
    const errors: string[] = [];
    installBackstops(target, { error: (_fields: object, message: string) => errors.push(message), fatal: () => {} } as never);
    target.emit('unhandledRejection', new Error('database away'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('unhandled rejection');
    expect(target.exits).toEqual([]);
  });

  it('logs an uncaught exception and exits with 1', () => {
    const target = fakeProcess();
    const fatal: string[] = [];
    installBackstops(target, { error: () => {}, fatal: (_fields: object, message: string) => fatal.push(message) } as never);
    target.emit('uncaughtException', new Error('state is broken'));
    expect(fatal).toEqual(['uncaught exception; exiting']);
    expect(target.exits).toEqual([1]);
  });
});
