import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.ts';

describe('Lifecycle', () => {
  it('undoes every step newest first, going on past a step whose undoing fails', async () => {
    const warnings: string[] = [];
    const lifecycle = new Lifecycle({
      warn: (_fields: object, message: string) => warnings.push(message),
    } as never);
    const undone: string[] = [];
    lifecycle.onStop('database', () => undone.push('database'));
    lifecycle.onStop('bus', () => {
      throw new Error('already closed');
    });
    lifecycle.onStop('server', async () => {
      await Promise.resolve();
      undone.push('server');
    });
    await lifecycle.stop();
    expect(undone).toEqual(['server', 'database']);
    expect(warnings).toEqual(['error while stopping bus']);
    await lifecycle.stop();
    expect(undone).toEqual(['server', 'database']);
  });
});
