import { afterEach, describe, expect, it, vi } from 'vitest';
import { background } from './background.ts';

describe('background', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports a failure of work nobody awaits on the console, saying what the work was', async () => {
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = new Error('boom');
    background(Promise.resolve('fine'), 'quiet work');
    background(Promise.reject(failure), 'loading the list');
    await vi.waitFor(() => expect(reported).toHaveBeenCalledTimes(1));
    expect(reported).toHaveBeenCalledWith('loading the list failed:', failure);
  });
});
