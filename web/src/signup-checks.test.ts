import { describe, expect, it } from 'vitest';
import { signupProblems } from './signup-checks.ts';

const good = { username: 'alice', email: 'alice@example.com', password1: 'tulip-river-42', password2: 'tulip-river-42' };

describe('signup checks', () => {
  it('finds nothing wrong with a good form', () => {
    expect(signupProblems(good)).toEqual({});
  });

  it('names every problem at once, each by its field, with the limit in words', () => {
    expect(signupProblems({ username: 'a b', email: 'alice@', password1: 'short', password2: 'shorter' })).toEqual({
      username: 'A username can have letters, digits and @ . + - _ only (no spaces).',
      email: 'Enter an email address like name@example.com.',
      password1: 'Use at least 8 characters (this has 5).',
      password2: 'The two passwords are not the same.',
    });
    expect(signupProblems({ username: '', email: '', password1: '', password2: '' })).toEqual({
      username: 'Choose a username.',
      email: 'Enter your email address.',
      password1: 'Use at least 8 characters (this has 0).',
    });
  });

  it('holds the limits the server holds: 150 characters of name (code points), 8 to 1,024 of password, not all digits', () => {
    expect(signupProblems({ ...good, username: 'é'.repeat(150) })).toEqual({});
    expect(signupProblems({ ...good, username: '𠀀'.repeat(150) })).toEqual({}); // 300 UTF-16 units
    expect(signupProblems({ ...good, username: 'a'.repeat(151) }).username).toBe(
      'A username is at most 150 characters; this one has 151.',
    );
    expect(signupProblems({ ...good, password1: '1234abcd', password2: '1234abcd' })).toEqual({});
    expect(signupProblems({ ...good, password1: '12345678', password2: '12345678' }).password1).toBe(
      'Use more than digits: add a letter or a symbol.',
    );
    const long = 'x'.repeat(1025);
    expect(signupProblems({ ...good, password1: long, password2: long }).password1).toBe(
      'Use at most 1024 characters (this has 1025).',
    );
  });
});
