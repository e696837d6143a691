import { beforeEach, describe, expect, it } from 'vitest';
import { DRAFT_LIMIT, Drafts } from './drafts.svelte.ts';

describe('drafts', () => {
  beforeEach(() => localStorage.clear());

  it('are kept per person and survive a new page; blank text drops one', () => {
    const mine = new Drafts('1');
    mine.set('7', 'half a thought');
    mine.set('@bob', 'hello bob');
    expect(new Drafts('1').get('7')).toBe('half a thought');
    expect(new Drafts('2').get('7')).toBe('');
    mine.set('7', '   ');
    expect(new Drafts('1').get('7')).toBe('');
    expect(new Drafts('1').get('@bob')).toBe('hello bob');
  });

  it(`keep the newest ${DRAFT_LIMIT}, and shrug off unreadable storage`, () => {
    let now = 0;
    const drafts = new Drafts('1', localStorage, window, () => now++);
    for (let n = 0; n < DRAFT_LIMIT + 5; n++) drafts.set(String(n), `draft ${n}`);
    const kept = new Drafts('1');
    expect(kept.get('0')).toBe('');
    expect(kept.get(String(DRAFT_LIMIT + 4))).toBe(`draft ${DRAFT_LIMIT + 4}`);
    localStorage.setItem('chat.drafts.v1.1', '{"7": {"text": 5}, "8": {"text": "ok", "at": 1}');
    expect(new Drafts('1').get('8')).toBe('');
    localStorage.setItem('chat.drafts.v1.1', '{"7": {"text": 5}, "8": {"text": "ok", "at": 1}}');
    expect(new Drafts('1').get('7')).toBe('');
    expect(new Drafts('1').get('8')).toBe('ok');
  });
});
