import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HEADLINE_START,
  HEADLINE_STOP,
  headlineRanges,
  mergeRanges,
  occurrences,
} from './search-highlights.ts';

const parts = (text: string, ranges: Array<{ start: number; length: number }>) =>
  ranges.map((range) => text.slice(range.start, range.start + range.length));

describe('occurrences', () => {
  it('finds a text wherever it occurs, case and accents aside, in UTF-16 offsets', () => {
    expect(parts('Café, CAFE and café', occurrences('Café, CAFE and café', 'cafe'))).toEqual([
      'Café',
      'CAFE',
      'café',
    ]);
    expect(parts('Straße', occurrences('Straße', 'strasse'))).toEqual(['Straße']);
    expect(occurrences('🎉 a 🎉', '🎉')).toEqual([
      { start: 0, length: 2 },
      { start: 5, length: 2 },
    ]);
    expect(parts('東京タワー', occurrences('東京タワー', 'タワ'))).toEqual(['タワ']);
    expect(occurrences('abc', '')).toEqual([]);
  });

  it('gives ranges that lie within the text and, folded, equal what was looked for', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ minLength: 1, maxLength: 4 }), (text, needle) => {
        for (const range of occurrences(text, needle)) {
          expect(range.start).toBeGreaterThanOrEqual(0);
          expect(range.start + range.length).toBeLessThanOrEqual(text.length);
        }
      }),
    );
  });
});

describe('headlineRanges', () => {
  it("reads the words PostgreSQL's ts_headline marked", () => {
    const text = 'the meetings and a meeting';
    const headline = `the ${HEADLINE_START}meetings${HEADLINE_STOP} and a ${HEADLINE_START}meeting${HEADLINE_STOP}`;
    expect(parts(text, headlineRanges(text, headline))).toEqual(['meetings', 'meeting']);
  });

  it('ignores a headline that is not of the text, or a text that holds the marks itself', () => {
    expect(headlineRanges('abc', `x${HEADLINE_START}abc${HEADLINE_STOP}`)).toEqual([]);
    expect(headlineRanges(`a${HEADLINE_START}b`, `a${HEADLINE_START}b`)).toEqual([]);
  });
});

describe('mergeRanges', () => {
  it('sorts, and joins ranges that overlap or touch', () => {
    expect(
      mergeRanges([
        { start: 10, length: 2 },
        { start: 0, length: 3 },
        { start: 2, length: 3 },
        { start: 5, length: 1 },
        { start: 20, length: 0 },
      ]),
    ).toEqual([
      { start: 0, length: 6 },
      { start: 10, length: 2 },
    ]);
  });
});
