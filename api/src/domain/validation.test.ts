import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  refuseInvisibleControls,
  usernameKey,
  validateBody,
  validateClientId,
  validateDisplayName,
  validateEmail,
  validateUsername,
} from './validation.ts';

const fieldOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return `${error.code}:${error.details.field}`;
    throw error;
  }
  return 'accepted';
};

describe('usernames', () => {
  it.each(['alice', 'Bob.Smith', 'a', 'x'.repeat(150), 'me+you@home.org', 'under_score-dash', 'Zoë'])(
    'accepts %s',
    (name) => {
      expect(validateUsername(name)).toBe(name);
    },
  );

  it.each(['', 'x'.repeat(151), 'has space', 'semi;colon', 'slash/', '<script>', '\u202Enimda', 'a\u2066b'])('refuses %j', (name) => {
    expect(fieldOf(() => validateUsername(name))).toBe('BAD_USER_INPUT:username');
  });

  it('keys ignore case', () => {
    expect(usernameKey('Bob.Smith')).toBe(usernameKey('bob.smith'));
  });
});

describe('emails', () => {
  it('accepts and trims a normal address', () => {
    expect(validateEmail(' a.b+c@example.co.uk ')).toBe('a.b+c@example.co.uk');
  });

  it.each(['plain', 'a@b', 'a @b.c', '@b.c', `${'x'.repeat(250)}@b.cc`])('refuses %j', (email) => {
    expect(fieldOf(() => validateEmail(email))).toBe('BAD_USER_INPUT:email');
  });
});

describe('message bodies', () => {
  it('trims', () => {
    expect(validateBody('  hi \n', 10)).toBe('hi');
  });

  it('refuses empty after trimming and over the limit', () => {
    expect(fieldOf(() => validateBody(' \n\t ', 10))).toBe('BAD_USER_INPUT:body');
    expect(fieldOf(() => validateBody('x'.repeat(11), 10))).toBe('BAD_USER_INPUT:body');
    expect(validateBody('x'.repeat(10), 10)).toHaveLength(10);
  });

  it('counts characters as code points: an emoji is one, not two', () => {
    expect(validateBody('😀'.repeat(10), 10)).toBe('😀'.repeat(10));
    expect(fieldOf(() => validateBody('😀'.repeat(11), 10))).toBe('BAD_USER_INPUT:body');
  });
});

describe('names and titles shown beside other text', () => {
  it.each(['\u202Enimda', 'left\u202Aembed', 'iso\u2066late\u2069', 'mark\u200F', 'arabic\u061Cmark'])(
    'refuses direction controls in %j',
    (title) => {
      expect(fieldOf(() => refuseInvisibleControls(title, 'title'))).toBe('BAD_USER_INPUT:title');
    },
  );

  it('accepts right-to-left letters themselves', () => {
    expect(refuseInvisibleControls('مرحبا بالعالم', 'title')).toBe('مرحبا بالعالم');
  });
});

describe('client ids', () => {
  it('accepts uuids and absence', () => {
    expect(validateClientId('0b6f3c1e-8a55-4d2c-9a43-3f0f3f1e2a10')).toBe(
      '0b6f3c1e-8a55-4d2c-9a43-3f0f3f1e2a10',
    );
    expect(validateClientId(undefined)).toBeNull();
  });

  it('refuses long or odd ones', () => {
    expect(fieldOf(() => validateClientId('x'.repeat(65)))).toBe('BAD_USER_INPUT:clientId');
    expect(fieldOf(() => validateClientId('a b'))).toBe('BAD_USER_INPUT:clientId');
  });
});

describe('display names', () => {
  it('takes any script up to 64 characters, trimmed', () => {
    expect(validateDisplayName('  Ана Łukasz 李小龍 👩‍💻 ')).toBe('Ана Łukasz 李小龍 👩‍💻');
    expect(validateDisplayName('😀'.repeat(64))).toBe('😀'.repeat(64));
  });

  it('refuses empty, long, multi-line and invisible-character names', () => {
    for (const name of ['   ', 'x'.repeat(65), 'two\nlines', 'right\u202Eleft', 'zero\u200Bwidth', 'nul\0'])
      expect(() => validateDisplayName(name)).toThrow(AppError);
  });
});
