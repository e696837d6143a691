/** A part of a text, in UTF-16 code units as JavaScript strings count. */
export interface TextRange {
  start: number;
  length: number;
}

/** Letters NFD does not take apart, which PostgreSQL's unaccent spells in plain letters. */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** One character as search compares it: lower case, accents removed (as `search_fold` in SQL). */
function foldCharacter(character: string): string {
  const lower = character.toLowerCase();
  return SPELLED_OUT[lower] ?? lower.normalize('NFD').replace(/\p{M}/gu, '');
}

/** The text folded, and for each folded code unit the range of the original it came from. */
function foldWithOrigins(text: string): { folded: string; starts: number[]; ends: number[] } {
  let folded = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const character of text) {
    const end = offset + character.length;
    const piece = foldCharacter(character);
    folded += piece;
    for (let unit = 0; unit < piece.length; unit += 1) {
      starts.push(offset);
      ends.push(end);
    }
    offset = end;
  }
  return { folded, starts, ends };
}

export const foldText = (text: string) => foldWithOrigins(text).folded;

/** Every place `needle` occurs in `text`, case and accents aside. */
export function occurrences(text: string, needle: string): TextRange[] {
  const target = foldText(needle);
  if (!target) return [];
  const { folded, starts, ends } = foldWithOrigins(text);
  const ranges: TextRange[] = [];
  for (let at = folded.indexOf(target); at !== -1; at = folded.indexOf(target, at + target.length)) {
    const start = starts[at]!;
    ranges.push({ start, length: ends[at + target.length - 1]! - start });
  }
  return ranges;
}

/** Marks PostgreSQL's `ts_headline` puts around the words a query matched (private-use characters). */
export const HEADLINE_START = '\uE000';
export const HEADLINE_STOP = '\uE001';

/**
 * The marked words of a headline of `text` (the whole text, marks inserted), as ranges of `text`.
 * Marks that `text` itself contains are no marks: such a headline is ignored.
 */
export function headlineRanges(text: string, headline: string): TextRange[] {
  if (text.includes(HEADLINE_START) || text.includes(HEADLINE_STOP)) return [];
  const ranges: TextRange[] = [];
  let offset = 0;
  let start: number | null = null;
  for (const unit of headline) {
    if (unit === HEADLINE_START) start = offset;
    else if (unit === HEADLINE_STOP && start !== null) {
      ranges.push({ start, length: offset - start });
      start = null;
    } else offset += unit.length;
  }
  return offset === text.length ? ranges : [];
}

/** Ranges sorted, overlapping and touching ones joined. */
export function mergeRanges(ranges: readonly TextRange[]): TextRange[] {
  const sorted = [...ranges].filter((range) => range.length > 0).sort((a, b) => a.start - b.start);
  const merged: TextRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.start + last.length) {
      last.length = Math.max(last.length, range.start + range.length - last.start);
    } else merged.push({ ...range });
  }
  return merged;
}
