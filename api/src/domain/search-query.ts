import { badInput } from './errors.ts';
import { refuseNul, usernameKey } from './validation.ts';

/** The longest query, in characters (code points). */
export const MAX_QUERY_LENGTH = 500;

/** A word (`meeting`) or a quoted phrase (`"an exact phrase"`, its spaces collapsed). */
export interface SearchTerm {
  text: string;
  phrase: boolean;
}

/** A search as the query language says it: Slack's and Gmail's words, phrases, exclusions and filters. */
export interface SearchQuery {
  /** All must match. */
  include: SearchTerm[];
  /** None may match (`-word`, `-"a phrase"`). */
  exclude: SearchTerm[];
  /** Username keys of `from:` (any of them); empty for anyone. */
  from: string[];
  /** `has:link`. */
  hasLink: boolean;
  /** `after:YYYY-MM-DD`: from the start of that day (UTC) on, inclusive. */
  after: Date | null;
  /** `before:YYYY-MM-DD`: before the start of that day (UTC), exclusive. */
  before: Date | null;
}

/**
 * Chinese, Japanese and Korean scripts and emoji: trigrams cannot index them (a word is two
 * characters, and emoji are no word characters), so these terms are looked up by bigrams and
 * emoji (`search_grams` in the migration message_search).
 */
const GRAM_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}]/u;

/** How a term is looked for. */
export type TermMatch =
  /** Whole words and their stems only: too short for substrings ("go", "5"). */
  | 'words'
  /** Whole words and stems, or any part of a word ("shirt" in "t-shirt", "3699" in "PLT-3699"). */
  | 'words-or-substring'
  /** Exactly this text anywhere, accents and case aside: phrases, CJK and emoji. */
  | 'substring';

/** The shortest substring of a word that finds longer words; shorter terms find whole words only. */
export const MIN_SUBSTRING = 3;

export function termMatch(term: SearchTerm): TermMatch {
  if (term.phrase || GRAM_SCRIPT.test(term.text)) return 'substring';
  return [...term.text].length >= MIN_SUBSTRING ? 'words-or-substring' : 'words';
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date in UTC, or null when it is no real date (2026-02-30). */
function utcDate(text: string): Date | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? date
    : null;
}

/** The query's pieces: words, `"phrases"` (an unclosed quote's text becomes words), each maybe negated. */
function* tokens(query: string): Generator<{ text: string; phrase: boolean; negated: boolean }> {
  const pattern = /(-?)"([^"]*)"|(\S+)/gu;
  for (const match of query.matchAll(pattern)) {
    const [, minus, quoted, bare] = match;
    if (quoted !== undefined) {
      const text = quoted.trim().split(/\s+/u).join(' ');
      if (text) yield { text, phrase: true, negated: minus === '-' };
      continue;
    }
    // A quote left open, or glued to a word (`a"b`), is no phrase: the text around it is words.
    for (const piece of bare!.split('"')) {
      const negated = piece.startsWith('-');
      const text = negated ? piece.slice(1) : piece;
      if (text) yield { text, phrase: false, negated };
    }
  }
}

/**
 * Reads a query. Never fails on its shape: what is no filter is a word, an unclosed quote's text
 * is words. Only a query over `MAX_QUERY_LENGTH` characters (or with NUL) is refused.
 */
export function parseSearchQuery(query: string, field = 'query'): SearchQuery {
  refuseNul(query, field);
  if ([...query].length > MAX_QUERY_LENGTH)
    throw badInput(field, `A search is at most ${MAX_QUERY_LENGTH} characters.`);
  const parsed: SearchQuery = {
    include: [],
    exclude: [],
    from: [],
    hasLink: false,
    after: null,
    before: null,
  };
  const seen = new Set<string>();
  for (const token of tokens(query)) {
    if (!token.phrase && !token.negated && applyFilter(parsed, token.text)) continue;
    const key = JSON.stringify([token.negated, token.phrase, token.text.toLowerCase()]);
    if (seen.has(key)) continue;
    seen.add(key);
    (token.negated ? parsed.exclude : parsed.include).push({ text: token.text, phrase: token.phrase });
  }
  return parsed;
}

/** Applies `from:`, `has:link`, `before:` or `after:`; false when the word is none of them. */
function applyFilter(parsed: SearchQuery, word: string): boolean {
  const colon = word.indexOf(':');
  if (colon < 1) return false;
  const name = word.slice(0, colon).toLowerCase();
  const value = word.slice(colon + 1);
  switch (name) {
    case 'from': {
      const username = value.replace(/^@/u, '');
      if (!username) return false;
      const key = usernameKey(username);
      if (!parsed.from.includes(key)) parsed.from.push(key);
      return true;
    }
    case 'has':
      if (value.toLowerCase() !== 'link') return false;
      parsed.hasLink = true;
      return true;
    case 'before': {
      const date = utcDate(value);
      if (!date) return false;
      if (!parsed.before || date < parsed.before) parsed.before = date;
      return true;
    }
    case 'after': {
      const date = utcDate(value);
      if (!date) return false;
      if (!parsed.after || date > parsed.after) parsed.after = date;
      return true;
    }
    default:
      return false;
  }
}
