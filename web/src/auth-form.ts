import { Client, fetchExchange, type CombinedError } from '@urql/core';
import { background } from './lib/background.ts';
import { LoginMutation, SignupMutation } from './lib/graphql/documents/people.ts';
import { signupProblems } from './signup-checks.ts';

/**
 * The login and signup forms, with JavaScript: sent over GraphQL, so that after an error
 * everything typed stays, and each error sits by its field (aria-invalid, aria-describedby).
 * Without JavaScript the forms post to the server as before.
 */
const form = document.querySelector<HTMLFormElement>('form[data-auth]')!;
const kind = form.dataset.auth as 'login' | 'signup';
const status = document.getElementById('form-status')!;
const urql = new Client({
  url: '/graphql',
  exchanges: [fetchExchange],
  fetchOptions: { credentials: 'same-origin' },
});
const query = new URLSearchParams(window.location.search);
/** Only a path on this site (`//host` would leave it). */
const next = /^\/(?![/\\])/.test(query.get('next') ?? '') ? query.get('next')! : '/';

const notes: Record<string, string> = {
  'logged-out': 'You logged out in another tab.',
  ended: 'Your session ended (you logged out elsewhere, or it expired). Log in again to go on.',
};
const why = notes[query.get('why') ?? ''];
if (why) show(why, 'note');

/** The server names the argument at fault; the form's field for `password` is `password1` on signup. */
const fieldFor = (argument: string) =>
  form.elements.namedItem(kind === 'signup' && argument === 'password' ? 'password1' : argument);

function show(text: string, tone: 'note' | 'error' | 'ok') {
  status.textContent = text;
  status.className = `form-status ${tone}`;
  status.hidden = false;
}

function clearErrors() {
  status.hidden = true;
  for (const error of form.querySelectorAll('.field-error')) error.remove();
  for (const input of form.querySelectorAll('input')) {
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', input.dataset.hints ?? '');
  }
}

function fieldError(input: HTMLInputElement, text: string) {
  const error = document.createElement('span');
  error.id = `${input.name}-error`;
  error.className = 'field-error';
  error.textContent = text;
  input.after(error);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', `${input.dataset.hints ?? ''} ${error.id}`.trim());
}

function showError(error: CombinedError | undefined) {
  const first = error?.graphQLErrors[0];
  const field = first?.extensions.field;
  const input = typeof field === 'string' ? fieldFor(field) : null;
  const text = first?.message ?? 'Could not reach the server. Check your connection and try again.';
  if (input instanceof HTMLInputElement) {
    fieldError(input, text);
    input.focus();
  } else {
    show(text, 'error');
  }
}

for (const input of form.querySelectorAll('input'))
  input.dataset.hints = input.getAttribute('aria-describedby') ?? '';

form.addEventListener('submit', (event) => {
  event.preventDefault();
  background(submit(), 'Sending the form');
});

async function submit() {
  clearErrors();
  const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
  const button = form.querySelector('button')!;
  button.disabled = true;
  try {
    if (kind === 'login') {
      const result = await urql.mutation(LoginMutation, {
        username: value('username'),
        password: value('password'),
      });
      if (!result.data) return showError(result.error);
      window.location.assign(next);
      return;
    }
    // Everything the browser can check, shown at once; the server is asked only when it all holds.
    const problems = Object.entries(
      signupProblems({
        username: value('username'),
        email: value('email'),
        password1: value('password1'),
        password2: value('password2'),
      }),
    );
    if (problems.length > 0) {
      for (const [name, text] of problems) fieldError(form.elements.namedItem(name) as HTMLInputElement, text);
      (form.elements.namedItem(problems[0]![0]) as HTMLInputElement).focus();
      return;
    }
    const result = await urql.mutation(SignupMutation, {
      username: value('username'),
      email: value('email'),
      password: value('password1'),
    });
    if (!result.data) return showError(result.error);
    show(`Account created. Welcome, ${result.data.signup.user.username}! Signing you in…`, 'ok');
    setTimeout(() => window.location.assign('/'), 800);
  } finally {
    button.disabled = false;
  }
}
