import { linkify } from './format.ts';

/**
 * `@` then a username's characters, not glued to a word before it (an email address): the
 * server's rule (api/src/domain/mentions.ts). The server decides whom a message mentions; the
 * client only finds where in the text to highlight them.
 */
const MENTION = /(?<![\p{L}\p{N}@.+\-_])@([\p{L}\p{N}.+\-_]{1,150})/gu;
/** A full stop or comma after a name ends the sentence, not the name. */
const TRAILING = /[.+\-_]+$/u;
/** In a group, these reach everyone. */
export const EVERYONE = ['all', 'everyone'] as const;

/** Usernames compare without case, as the server compares them. */
export const usernameKey = (username: string) => username.normalize('NFKC').toLowerCase();

/** Who can be mentioned where a message is shown. */
export interface MentionContext {
  /** The members' usernames, as keys. */
  members: ReadonlySet<string>;
  /** The viewer's username, as a key. */
  me: string;
  /** A group: @all and @everyone reach every member. */
  group: boolean;
}

/** A piece of a message: text, a link, or a mention (`'me'` when it reaches the viewer). */
export type Piece =
  | { text: string; href?: undefined; mention?: undefined }
  | { text: string; href: string; mention?: undefined }
  | { text: string; href?: undefined; mention: 'me' | 'other' };

/** Whom `@name` reaches: the viewer, someone else, or nobody (not a member: plain text). */
function reaches(name: string, context: MentionContext): 'me' | 'other' | null {
  const key = usernameKey(name);
  if (context.group && (EVERYONE as readonly string[]).includes(key)) return 'me';
  if (!context.members.has(key)) return null;
  return key === context.me ? 'me' : 'other';
}

/** A message's text in pieces: its links, and the @mentions of members (of the viewer: `'me'`). */
export function messagePieces(body: string, context: MentionContext): Piece[] {
  const pieces: Piece[] = [];
  for (const piece of linkify(body)) {
    if (piece.href) {
      pieces.push(piece);
      continue;
    }
    let last = 0;
    for (const match of piece.text.matchAll(MENTION)) {
      const name = match[1]!.replace(TRAILING, '');
      const mention = reaches(name, context);
      if (!mention) continue;
      if (match.index > last) pieces.push({ text: piece.text.slice(last, match.index) });
      pieces.push({ text: `@${name}`, mention });
      last = match.index + 1 + name.length;
    }
    if (last < piece.text.length) pieces.push({ text: piece.text.slice(last) });
  }
  return pieces;
}

/** The `@name` being typed where the caret is: where its `@` is, and what follows it so far. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(?<![\p{L}\p{N}@.+\-_])@([\p{L}\p{N}.+\-_]{0,150})$/u.exec(before);
  return match ? { start: match.index, query: match[1]! } : null;
}

/** The names to offer for `query`: members whose name starts with it (not the viewer), then @all/@everyone in a group. */
export function mentionChoices(
  usernames: readonly string[],
  query: string,
  context: Pick<MentionContext, 'me' | 'group'>,
  limit = 8,
): string[] {
  const wanted = usernameKey(query);
  const names = usernames.filter(
    (name) => usernameKey(name) !== context.me && usernameKey(name).startsWith(wanted),
  );
  const everyone = context.group ? EVERYONE.filter((name) => name.startsWith(wanted)) : [];
  return [...names, ...everyone].slice(0, limit);
}

/** The text with the `@name` being typed completed to `@username `, and where the caret goes. */
export function completeMention(
  text: string,
  at: { start: number; query: string },
  username: string,
): { text: string; caret: number } {
  const end = at.start + 1 + at.query.length;
  const inserted = `@${username} `;
  const rest = text.slice(end).replace(/^ /, '');
  return { text: text.slice(0, at.start) + inserted + rest, caret: at.start + inserted.length };
}
