import { verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.ts';
import { hashForUnknownUser, hashPassword, validatePassword, verifyPassword } from './passwords.ts';

const reason = (password: string, username = 'alice', email = 'alice@example.com') => {
  try {
    validatePassword(password, { username, email });
    return 'accepted';
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return error.message;
  }
};

describe('password rules', () => {
  it('accepts a decent password', () => {
    expect(reason('Lantern-Tulip-1987')).toBe('accepted');
  });

  it('refuses short, numeric, common and look-alike passwords', () => {
    expect(reason('Ab3$xyz')).toMatch(/too short/);
    expect(reason('1234567890123')).toMatch(/entirely numeric/);
    expect(reason('password1')).toMatch(/too common/);
    expect(reason('qwertyuiop')).toMatch(/too common/);
    expect(reason('alice1234', 'alice')).toMatch(/too similar/);
    expect(reason('Margaret-Smith', 'margaret.smith', 'm@example.com')).toMatch(/too similar/);
    expect(reason('wonderland77', 'bob', 'wonderland77@example.com')).toMatch(/too similar/);
  });
});

describe('password hashing', () => {
  it('stores argon2id, never the password, and verifies', async () => {
    const stored = await hashPassword('Lantern-Tulip-1987');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored).not.toContain('Lantern');
    expect(await verifyPassword(stored, 'Lantern-Tulip-1987')).toBe(true);
    expect(await verifyPassword(stored, 'lantern-tulip-1987')).toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('Lantern-Tulip-1987')).not.toBe(await hashPassword('Lantern-Tulip-1987'));
  });

  it('fails an unknown user after the same argon2 work as a wrong password', async () => {
    // `$argon2id$v=19$m=…,t=…,p=…$salt$hash`: the algorithm, version and cost parameters.
    const parameters = (hash: string) => hash.split('$').slice(1, 4).join('$');
    const unknownUser = await hashForUnknownUser();
    expect(parameters(unknownUser)).toBe(parameters(await hashPassword('Lantern-Tulip-1987')));
    // Well formed, so argon2 runs the whole verification on it instead of refusing it at once.
    await expect(verify(unknownUser, 'anything at all')).resolves.toBe(false);
    expect(await verifyPassword(null, 'anything at all')).toBe(false);
    expect(await verifyPassword(null, 'not the password of anyone')).toBe(false);
  });
});
