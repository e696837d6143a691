import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { MAX_QUERY_LENGTH, parseSearchQuery, termMatch } from './search-query.ts';

const words = (...texts: string[]) => texts.map((text) => ({ text, phrase: false }));

describe('parseSearchQuery', () => {
  it('reads words, phrases, exclusions and filters', () => {
    expect(
      parseSearchQuery(
        'deploy "release notes" -draft -"old plan" from:@Alice has:link after:2026-11-01 before:2026-12-01',
      ),
    ).toEqual({
      include: [...words('deploy'), { text: 'release notes', phrase: true }],
      exclude: [...words('draft'), { text: 'old plan', phrase: true }],
      from: ['alice'],
      hasLink: true,
      after: new Date('2026-11-01T00:00:00Z'),
      before: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('takes unknown prefixes, bad dates and other has: values as plain words', () => {
    expect(
      parseSearchQuery('note:x 16:9 before:2026-02-30 after:yesterday has:file from: :x').include,
    ).toEqual(words('note:x', '16:9', 'before:2026-02-30', 'after:yesterday', 'has:file', 'from:', ':x'));
  });

  it('reads an unclosed quote as plain words, never as an error', () => {
    expect(parseSearchQuery('"release notes').include).toEqual(words('release', 'notes'));
    expect(parseSearchQuery('a"b" c').include).toEqual(words('a', 'b', 'c'));
    expect(parseSearchQuery('""  "  " -').include).toEqual([]);
  });

  it('keeps the narrowest dates and every from:, and drops repeated words', () => {
    const parsed = parseSearchQuery(
      'after:2026-01-01 after:2026-03-01 before:2026-06-01 before:2026-05-01 from:a from:B from:a x X',
    );
    expect(parsed.after).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(parsed.before).toEqual(new Date('2026-05-01T00:00:00Z'));
    expect(parsed.from).toEqual(['a', 'b']);
    expect(parsed.include).toEqual(words('x'));
  });

  it(`refuses more than ${MAX_QUERY_LENGTH} characters, counting code points`, () => {
    expect(() => parseSearchQuery('x'.repeat(MAX_QUERY_LENGTH + 1))).toThrow(AppError);
    expect(parseSearchQuery('東'.repeat(MAX_QUERY_LENGTH)).include).toHaveLength(1);
    expect(parseSearchQuery('🎉'.repeat(MAX_QUERY_LENGTH)).include).toHaveLength(1);
  });

  it('never fails on a query within the length, and every term it gives is trimmed text', () => {
    const alphabet = fc.constantFrom(
      'a',
      'É',
      '東',
      '🎉',
      ' ',
      '\t',
      '"',
      '-',
      ':',
      'from',
      'has',
      'link',
      'before',
      '2026-01-01',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 3 }), alphabet), { maxLength: 60 }), (pieces) => {
        const query = pieces.join('');
        fc.pre([...query].length <= MAX_QUERY_LENGTH && !query.includes('\0'));
        const parsed = parseSearchQuery(query);
        for (const term of [...parsed.include, ...parsed.exclude]) {
          expect(term.text).not.toBe('');
          expect(term.text).not.toContain('"');
          expect(term.text).toBe(term.phrase ? term.text.trim() : term.text.replace(/\s/gu, ''));
        }
      }),
    );
  });

  it('finds again every word and phrase a query is made of', () => {
    const word = fc.stringMatching(/^[a-zé東🎉0-9.]{1,8}$/u).filter((text) => !text.includes(':'));
    fc.assert(
      fc.property(fc.array(fc.tuple(word, fc.boolean(), fc.boolean()), { maxLength: 8 }), (terms) => {
        const query = terms
          .map(([text, phrase, negated]) => `${negated ? '-' : ''}${phrase ? `"${text} ${text}"` : text}`)
          .join(' ');
        const parsed = parseSearchQuery(query);
        for (const [text, phrase, negated] of terms) {
          const list = negated ? parsed.exclude : parsed.include;
          expect(list).toContainEqual({ text: phrase ? `${text} ${text}` : text, phrase });
        }
      }),
    );
  });
});

describe('termMatch', () => {
  it('looks short words up as words, longer ones also as parts of words, phrases and CJK and emoji as text', () => {
    expect(termMatch({ text: 'go', phrase: false })).toBe('words');
    expect(termMatch({ text: 'shirt', phrase: false })).toBe('words-or-substring');
    expect(termMatch({ text: 'an exact phrase', phrase: true })).toBe('substring');
    expect(termMatch({ text: '東京', phrase: false })).toBe('substring');
    expect(termMatch({ text: '🎉', phrase: false })).toBe('substring');
  });
});
