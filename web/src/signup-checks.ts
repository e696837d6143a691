/** The signup form's fields, by their names in the form. */
export interface SignupFields {
  username: string;
  email: string;
  password1: string;
  password2: string;
}

/** The limits the server holds a new account to (api/src/domain/validation.ts, accounts/passwords.ts). */
export const USERNAME_MAX = 150;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
const USERNAME_CHARACTERS = /^[\p{L}\p{N}@.+\-_]*$/u;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Every problem the browser can see before asking the server, each by its field, all at once.
 * The server checks the rest (a name taken or of mixed scripts, a common password) and says so
 * one at a time.
 */
export function signupProblems(fields: SignupFields): Partial<Record<keyof SignupFields, string>> {
  const problems: Partial<Record<keyof SignupFields, string>> = {};
  const { username, email, password1, password2 } = fields;
  if (username === '') problems.username = 'Choose a username.';
  else if (Array.from(username).length > USERNAME_MAX)
    problems.username = `A username is at most ${USERNAME_MAX} characters; this one has ${Array.from(username).length}.`;
  else if (!USERNAME_CHARACTERS.test(username))
    problems.username = 'A username can have letters, digits and @ . + - _ only (no spaces).';
  const trimmed = email.trim();
  if (trimmed === '') problems.email = 'Enter your email address.';
  else if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed))
    problems.email = 'Enter an email address like name@example.com.';
  // Counted as the server counts them (UTF-16 units).
  if (password1.length < PASSWORD_MIN)
    problems.password1 = `Use at least ${PASSWORD_MIN} characters (this has ${password1.length}).`;
  else if (password1.length > PASSWORD_MAX)
    problems.password1 = `Use at most ${PASSWORD_MAX} characters (this has ${password1.length}).`;
  else if (/^\d+$/.test(password1)) problems.password1 = 'Use more than digits: add a letter or a symbol.';
  if (password2 !== password1) problems.password2 = 'The two passwords are not the same.';
  return problems;
}
