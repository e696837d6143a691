import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { distance } from 'fastest-levenshtein';
import { badInput } from '../../domain/errors.ts';

// argon2id (the library's default algorithm) at OWASP's minimum: 19 MiB, 2 passes, 1 lane.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const MIN_LENGTH = 8;
const commonPasswords = new Set(dictionary['passwords-common']);

export const hashPassword = (password: string) => hash(password, ARGON2_OPTIONS);

let unknownUserHash: Promise<string> | undefined;

/**
 * Verified against when the username is unknown: a real hash made with the same
 * parameters as every stored one, so that an unknown user costs the same argon2
 * verification as a wrong password and the two cannot be told apart.
 */
export const hashForUnknownUser = () => (unknownUserHash ??= hashPassword('not the password of anyone'));

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  const matches = await verify(storedHash ?? (await hashForUnknownUser()), password).catch(() => false);
  return storedHash !== null && matches;
}

function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 0 : 1 - distance(a, b) / longest;
}

/** Too close to something the attacker knows: the username, or the email or its parts. */
function resemblesAttribute(password: string, attributes: string[]): boolean {
  const candidate = password.toLowerCase();
  return attributes
    .flatMap((attribute) => [attribute, ...attribute.split(/[@.+\-_]/)])
    .map((part) => part.toLowerCase())
    .filter((part) => part.length >= 3)
    .some(
      (part) =>
        similarity(candidate, part) >= 0.7 ||
        part.includes(candidate) ||
        (candidate.includes(part) && part.length * 2 >= candidate.length),
    );
}

/** The rules a new password must pass, each failure with its own message. */
export function validatePassword(
  password: string,
  attributes: { username: string; email: string },
  field = 'password',
) {
  if (password.length < MIN_LENGTH) {
    throw badInput(field, `This password is too short. It must contain at least ${MIN_LENGTH} characters.`);
  }
  if (password.length > 1024) throw badInput(field, 'This password is too long.');
  if (/^\d+$/.test(password)) throw badInput(field, 'This password is entirely numeric.');
  if (resemblesAttribute(password, [attributes.username, attributes.email])) {
    throw badInput(field, 'This password is too similar to the username or email.');
  }
  if (commonPasswords.has(password.toLowerCase())) throw badInput(field, 'This password is too common.');
}
