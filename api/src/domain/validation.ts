import unhomoglyph from 'unhomoglyph';
import { badInput } from './errors.ts';

const USERNAME_PATTERN = /^[\p{L}\p{N}@.+\-_]{1,150}$/u;
// Deliberately loose, like the HTML spec's: one @, no spaces, a dot in the domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** PostgreSQL's text cannot hold U+0000: refused here, it would otherwise fail the query (a 500). */
export function refuseNul(value: string, field: string): string {
  if (value.includes('\0')) throw badInput(field, `The ${field} cannot contain NUL (\\u0000) characters.`);
  return value;
}

/** The key that makes usernames unique and findable regardless of case. */
export const usernameKey = (username: string) => username.normalize('NFKC').toLowerCase();

/**
 * UTS #39's confusable skeleton (NFD, map each character to its prototype, NFD), taken of the
 * name as shown and then again after lower-casing, so that names which differ only in case or
 * in look-alike characters (`AIice`, `alice`) share one skeleton. Unique in the database.
 */
export const usernameSkeleton = (username: string) => {
  const skeleton = (text: string) => unhomoglyph(text.normalize('NFD')).normalize('NFD');
  return skeleton(skeleton(username.normalize('NFKC')).toLowerCase());
};

/** A name as people type it to find someone: checked for shape only, so existing names stay findable. */
export function validateUsername(username: string, field = 'username'): string {
  if (!USERNAME_PATTERN.test(username)) {
    throw badInput(field, 'Usernames are 1–150 characters: letters, digits and @ . + - _ only.');
  }
  return username;
}

// UTS #31's Recommended scripts (Table 4), plus Common and Inherited (digits, punctuation, marks).
const RECOMMENDED_SCRIPTS = [
  'Arab',
  'Armn',
  'Beng',
  'Bopo',
  'Cyrl',
  'Deva',
  'Ethi',
  'Geor',
  'Grek',
  'Gujr',
  'Guru',
  'Hang',
  'Hani',
  'Hebr',
  'Hira',
  'Kana',
  'Knda',
  'Khmr',
  'Laoo',
  'Latn',
  'Mlym',
  'Mymr',
  'Orya',
  'Sinh',
  'Taml',
  'Telu',
  'Thaa',
  'Thai',
  'Tibt',
].map((script) => ({ script, pattern: new RegExp(`^\\p{Script_Extensions=${script}}$`, 'u') }));
const COMMON_OR_INHERITED = /^[\p{Script_Extensions=Zyyy}\p{Script_Extensions=Zinh}]$/u;
/** UTS #39 "augmented" sets: Han is written beside kana in Japanese, Hangul in Korean, Bopomofo in Chinese. */
const WRITING_SYSTEMS: Record<string, string[]> = {
  Hani: ['Hani', 'Jpan', 'Kore', 'Hanb'],
  Hira: ['Hira', 'Jpan'],
  Kana: ['Kana', 'Jpan'],
  Hang: ['Hang', 'Kore'],
  Bopo: ['Bopo', 'Hanb'],
};

/**
 * UTS #39's resolved script set: the scripts (or writing systems) every character could belong to.
 * `Zyyy` alone when there are no letters; empty means mixed scripts; null means a character from a script not recommended for identifiers.
 */
function resolvedScripts(chars: string[]): Set<string> | null {
  let resolved = new Set(['Zyyy']);
  for (const char of chars) {
    if (COMMON_OR_INHERITED.test(char)) continue;
    const scripts = RECOMMENDED_SCRIPTS.filter(({ pattern }) => pattern.test(char)).flatMap(
      ({ script }) => WRITING_SYSTEMS[script] ?? [script],
    );
    if (scripts.length === 0) return null;
    const before = resolved;
    resolved = new Set(before.has('Zyyy') ? scripts : scripts.filter((script) => before.has(script)));
  }
  return resolved;
}

/**
 * A name for a new account, as an identifier (UTS #39's "highly restrictive" profile): NFKC,
 * one script (Latin may join Han with kana, Hangul or Bopomofo), and not a name written in
 * another script that looks wholly Latin (`аррӏе` in Cyrillic). Returns the name to store.
 */
export function validateNewUsername(raw: string, field = 'username'): string {
  const username = validateUsername(raw.normalize('NFKC'), field);
  const chars = [...username];
  const scripts = resolvedScripts(chars);
  if (!scripts) throw badInput(field, 'Usernames can use the letters of widely used scripts only.');
  const withoutLatin = resolvedScripts(chars.filter((char) => !/\p{Script=Latn}/u.test(char)));
  const eastAsianWithLatin = ['Jpan', 'Kore', 'Hanb'].some((system) => withoutLatin?.has(system));
  if (scripts.size === 0 && !eastAsianWithLatin) {
    throw badInput(
      field,
      'A username cannot mix letters from different scripts (such as Latin and Cyrillic).',
    );
  }
  if (!scripts.has('Latn') && !scripts.has('Zyyy') && /^[\x20-\x7e]*$/.test(usernameSkeleton(username))) {
    throw badInput(field, 'This username looks like a name written in Latin letters; choose another.');
  }
  return username;
}

export function validateEmail(email: string, field = 'email'): string {
  const trimmed = refuseNul(email, field).trim();
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw badInput(field, 'Enter a valid email address.');
  }
  return trimmed;
}

/**
 * Characters as people count them closely enough, and as a limit must: code points. An emoji is
 * one (a flag or 👩‍💻 a few), where JavaScript's length counts two per emoji. Not grapheme
 * clusters: one cluster can hold any number of combining marks, so a limit on them bounds nothing.
 */
export const characterCount = (text: string) => Array.from(text).length;

/** Trims a message body and checks its length in characters (code points); returns the body to store. */
export function validateBody(body: string, maxLength: number, field = 'body'): string {
  const trimmed = refuseNul(body, field).trim();
  if (trimmed.length === 0) throw badInput(field, 'A message cannot be empty.');
  if (characterCount(trimmed) > maxLength) {
    throw badInput(field, `A message can be at most ${maxLength} characters.`);
  }
  return trimmed;
}

/**
 * Bidirectional embedding, override and isolate controls (and the invisible direction marks):
 * in a name or a title they turn what follows around (`U+202E` makes "nimda" show as "admin")
 * and can spill into the text around it. Message bodies may hold them; clients isolate bodies.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** A name or title shown beside other text: no NUL, no bidirectional controls. */
export function refuseInvisibleControls(value: string, field: string): string {
  refuseNul(value, field);
  if (BIDI_CONTROLS.test(value))
    throw badInput(field, `The ${field} cannot contain text-direction control characters.`);
  return value;
}

const CLIENT_ID_PATTERN = /^[\w\-:.]{1,64}$/;

export function validateClientId(clientId: string | null | undefined, field = 'clientId'): string | null {
  if (clientId == null) return null;
  if (!CLIENT_ID_PATTERN.test(clientId)) {
    throw badInput(field, 'clientId is 1–64 characters: letters, digits and - _ : . only.');
  }
  return clientId;
}

export const MAX_DISPLAY_NAME = 64;

/**
 * A display name: 1–64 characters (code points) of any script, trimmed and NFC-normalized, on
 * one line, without direction controls or other invisible formatting characters than the
 * joiners emoji and some scripts use.
 */
export function validateDisplayName(name: string, field = 'displayName'): string {
  const trimmed = refuseInvisibleControls(name, field).normalize('NFC').trim();
  if (trimmed.length === 0) throw badInput(field, 'A display name cannot be empty.');
  if (characterCount(trimmed) > MAX_DISPLAY_NAME)
    throw badInput(field, `A display name can be at most ${MAX_DISPLAY_NAME} characters.`);
  if (/[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200c\u200d])\p{Cf}/u.test(trimmed))
    throw badInput(field, 'A display name cannot contain control or invisible characters.');
  return trimmed;
}
