/** A part of a text in UTF-16 code units, as the server's `TextRange`. */
export interface TextRange {
  start: number;
  length: number;
}

export interface SnippetPiece {
  text: string;
  /** A part the search matched. */
  match: boolean;
}

/**
 * Up to `width` characters of `body` around its first match, cut at spaces where it can, with
 * the matched parts marked and "…" where text was left out.
 */
export function snippet(body: string, highlights: readonly TextRange[], width = 160): SnippetPiece[] {
  const first = highlights[0];
  let start = 0;
  if (body.length > width && first && first.start > width / 3) {
    start = first.start - Math.floor(width / 3);
    // From the start of a word: the first space after the cut, if it comes before the match.
    const space = body.indexOf(' ', start);
    if (space !== -1 && space < first.start) start = space + 1;
  }
  let end = Math.min(body.length, start + width);
  if (end < body.length) {
    const space = body.lastIndexOf(' ', end);
    if (space > start + width / 2) end = space;
  }
  // Never split a surrogate pair (an emoji) at either end.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(body[start] ?? '')) start -= 1;
  if (end < body.length && /[\uDC00-\uDFFF]/.test(body[end] ?? '')) end += 1;
  const pieces: SnippetPiece[] = [];
  const push = (from: number, to: number, match: boolean) => {
    if (to > from) pieces.push({ text: body.slice(from, to), match });
  };
  let at = start;
  for (const range of highlights) {
    const from = Math.max(range.start, at);
    const to = Math.min(range.start + range.length, end);
    if (to <= from) continue;
    push(at, from, false);
    push(from, to, true);
    at = to;
  }
  push(at, end, false);
  if (start > 0) pieces.unshift({ text: '…', match: false });
  if (end < body.length) pieces.push({ text: '…', match: false });
  return pieces;
}
