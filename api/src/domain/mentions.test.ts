import { describe, expect, it } from 'vitest';
import { parseMentions } from './mentions.ts';

describe('parseMentions', () => {
  it('finds @usernames, ignoring case, and @all or @everyone', () => {
    expect(parseMentions('hi @Alice and @bob.smith, see @ALL')).toEqual({ keys: ['alice', 'bob.smith'], everyone: true });
    expect(parseMentions('@everyone')).toEqual({ keys: [], everyone: true });
  });

  it('leaves out an email address, a lone @ and a sentence’s full stop', () => {
    expect(parseMentions('mail me at carol@example.com or @ alone; thanks @dave.')).toEqual({
      keys: ['dave'],
      everyone: false,
    });
  });

  it('takes letters of any script, as usernames do', () => {
    expect(parseMentions('@Zoë @東京 @София')).toEqual({ keys: ['zoë', '東京', 'софия'], everyone: false });
  });

  it('keeps the first 20 names of a message, and @all past them', () => {
    const names = Array.from({ length: 25 }, (_, index) => `@p${index}`).join(' ');
    expect(parseMentions(`${names} @all`)).toEqual({
      keys: Array.from({ length: 20 }, (_, index) => `p${index}`),
      everyone: true,
    });
  });
});
