import { describe, expect, it } from 'vitest';
import { Blocklist } from './privacy.svelte.ts';

const alice = { id: '1', username: 'alice', displayName: 'alice' };
const bob = { id: '2', username: 'bob', displayName: 'bob' };

describe('Blocklist', () => {
  it("folds a blocked person's messages in groups only, until one is shown", () => {
    const blocked = new Blocklist();
    blocked.set([bob]);
    const fromBob = { key: 'm1', sender: bob };
    const another = { key: 'm2', sender: bob };
    expect(blocked.has('bob')).toBe(true);
    expect(blocked.collapsed(fromBob, true)).toBe(true);
    expect(blocked.collapsed({ key: 'm3', sender: alice }, true)).toBe(false);
    expect(blocked.collapsed(fromBob, false)).toBe(false);
    blocked.show('m1');
    expect(blocked.collapsed(fromBob, true)).toBe(false);
    expect(blocked.collapsed(another, true)).toBe(true);
    blocked.set([]);
    expect(blocked.collapsed(another, true)).toBe(false);
  });
});
