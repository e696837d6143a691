import { browserSupportsWebAuthn, startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { Client, fetchExchange } from '@urql/core';
import { background } from './lib/background.ts';
import {
  LoginWithPasskeyMutation,
  PasskeyLoginOptionsMutation,
  RequestPasswordResetMutation,
  ResetPasswordMutation,
} from './lib/graphql/documents/account.ts';

/**
 * The login page's other ways in: a passkey (with the username typed or not), and a forgotten
 * password (a reset link by email; the link comes back here with its token after `#token=`).
 */
const urql = new Client({ url: '/graphql', exchanges: [fetchExchange], fetchOptions: { credentials: 'same-origin' } });
const status = document.getElementById('recovery-status')!;
const passkeyButton = document.getElementById('passkey-login') as HTMLButtonElement;
const requestForm = document.getElementById('reset-request') as HTMLFormElement;
const resetForm = document.getElementById('reset-form') as HTMLFormElement;
const token = /^#token=([\w-]+)$/.exec(window.location.hash)?.[1];

function show(text: string, tone: 'note' | 'error' | 'ok') {
  status.textContent = text;
  status.className = `form-status ${tone}`;
  status.hidden = false;
}

const firstError = (error: { graphQLErrors: Array<{ message: string }> } | undefined) =>
  error?.graphQLErrors[0]?.message ?? 'Could not reach the server. Try again.';

if (browserSupportsWebAuthn()) passkeyButton.hidden = false;
passkeyButton.addEventListener('click', () => background(signInWithPasskey(), 'Signing in with a passkey'));
document.getElementById('forgot')!.addEventListener('click', (event) => {
  event.preventDefault();
  requestForm.hidden = false;
  requestForm.querySelector('input')!.focus();
});
if (token) {
  resetForm.hidden = false;
  resetForm.querySelector('input')!.focus();
}

async function signInWithPasskey() {
  const username = (document.querySelector('input[name=username]') as HTMLInputElement).value.trim();
  const options = await urql.mutation(PasskeyLoginOptionsMutation, { username: username || null });
  if (!options.data) return show(firstError(options.error), 'error');
  let response;
  try {
    response = await startAuthentication({
      optionsJSON: options.data.passkeyLoginOptions as PublicKeyCredentialRequestOptionsJSON,
    });
  } catch {
    return show('No passkey was used.', 'error');
  }
  const result = await urql.mutation(LoginWithPasskeyMutation, { response });
  if (!result.data) return show(firstError(result.error), 'error');
  window.location.assign('/');
}

requestForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const email = (requestForm.elements.namedItem('email') as HTMLInputElement).value;
  background(
    urql
      .mutation(RequestPasswordResetMutation, { email })
      .toPromise()
      .then((result) =>
        result.data
          ? show('If an account has this email, a reset link is on its way. It works for 30 minutes.', 'ok')
          : show(firstError(result.error), 'error'),
      ),
    'Asking for a reset link',
  );
});

resetForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const newPassword = (resetForm.elements.namedItem('newPassword') as HTMLInputElement).value;
  background(
    urql
      .mutation(ResetPasswordMutation, { token: token ?? '', newPassword })
      .toPromise()
      .then((result) => {
        if (!result.data) return show(firstError(result.error), 'error');
        history.replaceState(null, '', '/login/');
        window.location.assign('/');
      }),
    'Setting the new password',
  );
});
