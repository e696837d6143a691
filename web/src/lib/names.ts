/** What the client shows of a person: their display name, and the username that proves who they are. */
export interface Named {
  username: string;
  displayName: string;
}

/**
 * The "@username" to show beside a display name, so that nobody can pass for someone else by
 * taking their name: null only when the display name is the username (case aside).
 */
export function usernameBeside(person: Named): string | null {
  return person.displayName.toLocaleLowerCase() === person.username.toLocaleLowerCase()
    ? null
    : `@${person.username}`;
}

/** "Display Name (@username)", or the username alone when that is the display name: for one line of text. */
export function fullName(person: Named): string {
  const beside = usernameBeside(person);
  return beside ? `${person.displayName} (${beside})` : person.displayName;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const firstGrapheme = (word: string) =>
  graphemes.segment(word)[Symbol.iterator]().next().value?.segment ?? '';

/** Up to two letters for an avatar: the first of the first and the last word ("Ada Byron King" → "AK"). */
export function initials(displayName: string): string {
  const words = displayName.trim().split(/\s+/u).filter(Boolean);
  if (words.length === 0) return '?';
  const ends = words.length === 1 ? [words[0]!] : [words[0]!, words.at(-1)!];
  return ends.map((word) => firstGrapheme(word).toLocaleUpperCase()).join('');
}

/** How many avatar colours the stylesheet has (`.hue-0` … `.hue-7`). */
export const AVATAR_HUES = 8;

/** An avatar colour from the username (never the display name, which its owner can change): the same on every client. */
export function avatarHue(username: string): number {
  let hash = 2166136261;
  for (const char of username.toLocaleLowerCase()) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619);
  return (hash >>> 0) % AVATAR_HUES;
}
