import emojiRegex from 'emoji-regex';
import { badInput } from './errors.ts';

/** Exactly one emoji as people type it: skin tones, flags, keycaps and ZWJ sequences (👩‍💻) included. */
const ONE_EMOJI = new RegExp(`^(?:${emojiRegex().source})$`, emojiRegex().flags.replace('g', ''));

export function validateEmoji(emoji: string, field = 'emoji'): string {
  if (emoji.length > 64 || !ONE_EMOJI.test(emoji)) throw badInput(field, 'A reaction is exactly one emoji.');
  return emoji;
}
