import { usernameKey } from './validation.ts';

/** `@` then a username's characters (the username rules), not glued to a word before it (an email). */
const MENTION = /(?<![\p{L}\p{N}@.+\-_])@([\p{L}\p{N}.+\-_]{1,150})/gu;
const EVERYONE = new Set(['all', 'everyone']);
/** The @names of one message that count, the first ones written: past them, @all says it. */
export const MAX_MENTIONS = 20;

/**
 * Who a body names: usernames as their keys (case ignored, as usernames are), and whether it
 * says @all or @everyone; the first MAX_MENTIONS names only. Parsed by the server from the text; which of them are members is for
 * the write to decide, under the conversation's lock.
 */
export function parseMentions(body: string): { keys: string[]; everyone: boolean } {
  const keys = new Set<string>();
  let everyone = false;
  for (const [, name] of body.matchAll(MENTION)) {
    // A trailing full stop or comma ends a sentence, not a name.
    const key = usernameKey(name!.replace(/[.+\-_]+$/u, ''));
    if (EVERYONE.has(key)) everyone = true;
    else if (key && keys.size < MAX_MENTIONS) keys.add(key);
  }
  return { keys: [...keys], everyone };
}
