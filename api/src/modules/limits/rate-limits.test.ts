import { describe, expect, it } from 'vitest';
import { inHumanTerms } from './rate-limits.ts';

describe('a wait in human terms (issue 19, finding 8)', () => {
  it('says seconds, then minutes, then about so many hours', () => {
    expect(inHumanTerms(1)).toBe('in 1 second');
    expect(inHumanTerms(40)).toBe('in 40 seconds');
    expect(inHumanTerms(60)).toBe('in 1 minute');
    expect(inHumanTerms(12 * 60 + 20)).toBe('in 12 minutes');
    // The signup limit's window: not "in 3441 s".
    expect(inHumanTerms(3441)).toBe('in about an hour');
    expect(inHumanTerms(3600)).toBe('in about an hour');
    expect(inHumanTerms(3 * 3600 - 100)).toBe('in about 3 hours');
  });
});
