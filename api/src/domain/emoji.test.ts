import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { validateEmoji } from './emoji.ts';

describe('validateEmoji', () => {
  it.each(['👍', '👩‍💻', '👍🏽', '🇫🇷', '1️⃣', '❤️', '🏳️‍🌈'])('takes %s', (emoji) => {
    expect(validateEmoji(emoji)).toBe(emoji);
  });

  it.each(['a', '👍👍', '', ' 👍', '<b>', '#', '👍 ok'])('refuses %j', (text) => {
    expect(() => validateEmoji(text)).toThrow(AppError);
  });
});
