import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  usernameKey,
  validateBody,
  validateClientId,
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

  it.each(['', 'x'.repeat(151), 'has space', 'semi;colon', 'slash/', '<script>'])('refuses %j', (name) => {
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
