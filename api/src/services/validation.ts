import { badInput } from './errors.ts';

const USERNAME_PATTERN = /^[\p{L}\p{N}@.+\-_]{1,150}$/u;
// Deliberately loose, like the HTML spec's: one @, no spaces, a dot in the domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The key that makes usernames unique and findable regardless of case. */
export const usernameKey = (username: string) => username.normalize('NFKC').toLowerCase();

export function validateUsername(username: string, field = 'username'): string {
  if (!USERNAME_PATTERN.test(username)) {
    throw badInput(field, 'Usernames are 1–150 characters: letters, digits and @ . + - _ only.');
  }
  return username;
}

export function validateEmail(email: string, field = 'email'): string {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw badInput(field, 'Enter a valid email address.');
  }
  return trimmed;
}

/** Trims a message body and checks its length; returns the body to store. */
export function validateBody(body: string, maxLength: number, field = 'body'): string {
  const trimmed = body.trim();
  if (trimmed.length === 0) throw badInput(field, 'A message cannot be empty.');
  if (trimmed.length > maxLength) {
    throw badInput(field, `A message can be at most ${maxLength} characters.`);
  }
  return trimmed;
}

const CLIENT_ID_PATTERN = /^[\w\-:.]{1,64}$/;

export function validateClientId(clientId: string | null | undefined, field = 'clientId'): string | null {
  if (clientId == null) return null;
  if (!CLIENT_ID_PATTERN.test(clientId)) {
    throw badInput(field, 'clientId is 1–64 characters: letters, digits and - _ : . only.');
  }
  return clientId;
}
