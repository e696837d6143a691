/** The local calendar day of an instant, as a key that compares equal within one day. */
export const dayKey = (iso: string) => new Date(iso).toDateString();

/** A date separator's words: "Today", "Yesterday", else the weekday and date ("Mon 23 Nov"; with the year if not this year). */
export function dayLabel(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (date.toDateString() === now.toDateString()) return 'Today';
  if (date.toDateString() === yesterday.toDateString()) return 'Yesterday';
  const parts = new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: date.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  }).formatToParts(date);
  return parts
    .filter((part) => part.type !== 'literal')
    .map((part) => part.value)
    .join(' ');
}

/** The full date and time, in the reader's own locale (on hover or long-press). */
export const fullDate = (iso: string) =>
  new Date(iso).toLocaleString([], { dateStyle: 'full', timeStyle: 'short' });

export type Piece = { text: string; href?: undefined } | { text: string; href: string };

/** http(s) addresses in a message, the rest as text; a closing bracket or full stop after one is not part of it. */
export function linkify(body: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of body.matchAll(/\bhttps?:\/\/[^\s<>"]+/gi)) {
    const href = match[0].replace(/[.,;:!?)\]}'’”]+$/, '');
    if (match.index > last) pieces.push({ text: body.slice(last, match.index) });
    if (URL.canParse(href)) pieces.push({ text: href, href });
    else pieces.push({ text: href });
    last = match.index + href.length;
  }
  if (last < body.length) pieces.push({ text: body.slice(last) });
  return pieces;
}
