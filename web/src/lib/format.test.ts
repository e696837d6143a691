import { describe, expect, it } from 'vitest';
import { dayLabel, linkify } from './format.ts';

describe('dayLabel', () => {
  const now = new Date(2026, 10, 25, 10, 0);
  it('says Today, Yesterday, or the weekday and date', () => {
    expect(dayLabel(new Date(2026, 10, 25, 0, 5).toISOString(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 10, 24, 23, 59).toISOString(), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 10, 23, 12).toISOString(), now)).toBe('Mon 23 Nov');
    expect(dayLabel(new Date(2025, 0, 2, 12).toISOString(), now)).toBe('Thu 2 Jan 2025');
  });
});

describe('linkify', () => {
  it('makes http and https addresses links, nothing else', () => {
    expect(linkify('see https://example.com/a?b=1. or javascript:alert(1) ftp://x')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: '. or javascript:alert(1) ftp://x' },
    ]);
    expect(linkify('(http://a.example)')).toEqual([
      { text: '(' },
      { text: 'http://a.example', href: 'http://a.example' },
      { text: ')' },
    ]);
    expect(linkify('plain')).toEqual([{ text: 'plain' }]);
  });
});
