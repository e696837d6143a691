import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { useWebApp, virtualAuthenticator } from './browser.ts';

const app = useWebApp();

/** A GraphQL request from the page, with its session cookie, as the web client sends them. */
function inPage(page: Page, query: string, variables: Record<string, unknown> = {}) {
  return page.evaluate(
    async ({ query, variables }) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: Record<string, any>; errors?: Array<{ extensions?: { code?: string } }> };
    },
    { query, variables },
  );
}

/** Signs out, as the web client does, and waits for it to show the login page. */
async function logOut(page: Page) {
  // Sent beside the page rather than from it: the page goes to the login page as soon as it hears.
  await page.context().request.post('/graphql', { data: { query: 'mutation { logout }' } });
  await page.waitForURL(/\/login\//);
}

/** Registers a passkey from the page: options from the server, the authenticator creates, the server stores. */
async function registerPasskey(page: Page, name: string) {
  const options = (await inPage(page, 'mutation { passkeyRegistrationOptions }')).data!.passkeyRegistrationOptions;
  const response = await page.evaluate(async (json) => {
    const credential = (await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json),
    })) as PublicKeyCredential;
    return credential.toJSON();
  }, options);
  return inPage(page, 'mutation ($r: JSON!, $n: String) { registerPasskey(response: $r, name: $n) { id name lastUsedAt } }', {
    r: response,
    n: name,
  });
}

/** Signs in from the page with a passkey, naming the user or not. */
async function signInWithPasskey(page: Page, username?: string) {
  const options = (await inPage(page, 'mutation ($u: String) { passkeyLoginOptions(username: $u) }', { u: username })).data!
    .passkeyLoginOptions;
  const response = await page.evaluate(async (json) => {
    const credential = (await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json),
    })) as PublicKeyCredential;
    return credential.toJSON();
  }, options);
  return { response, result: await inPage(page, 'mutation ($r: JSON!) { loginWithPasskey(response: $r) { user { username } } }', { r: response }) };
}

describe('passkeys', () => {
  it('registers passkeys, then signs in with one with and without the username; a replayed answer is refused', async () => {
    const alice = await app.person(uniqueName('pk'));
    const cdp = await virtualAuthenticator(alice.page);
    const registered = await registerPasskey(alice.page, 'Laptop');
    expect(registered.errors).toBeUndefined();
    expect(registered.data!.registerPasskey).toMatchObject({ name: 'Laptop', lastUsedAt: null });

    await logOut(alice.page);
    expect((await inPage(alice.page, '{ me { username } }')).data!.me).toBeNull();

    const withName = await signInWithPasskey(alice.page, alice.username);
    expect(withName.result.data).toEqual({ loginWithPasskey: { user: { username: alice.username } } });
    expect((await inPage(alice.page, '{ me { username } }')).data!.me).toEqual({ username: alice.username });

    await logOut(alice.page);
    const discoverable = await signInWithPasskey(alice.page);
    expect(discoverable.result.data).toEqual({ loginWithPasskey: { user: { username: alice.username } } });

    // The same signed answer again: its challenge was used up.
    const replay = await inPage(alice.page, 'mutation ($r: JSON!) { loginWithPasskey(response: $r) { token } }', {
      r: discoverable.response,
    });
    expect(replay.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const listed = await inPage(alice.page, '{ me { passkeys { id name lastUsedAt } } }');
    expect(listed.data!.me.passkeys).toEqual([expect.objectContaining({ name: 'Laptop', lastUsedAt: expect.any(String) })]);
    await cdp.detach();
  });

  it('removes a passkey, after which it signs nobody in; another person cannot remove it', async () => {
    const [alice, mallory] = await Promise.all([app.person(uniqueName('pk')), app.person(uniqueName('pk'))]);
    await virtualAuthenticator(alice.page);
    const { id } = (await registerPasskey(alice.page, 'Phone')).data!.registerPasskey as { id: string };
    const stolen = await inPage(mallory.page, 'mutation ($id: ID!) { removePasskey(id: $id) }', { id });
    expect(stolen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await inPage(alice.page, 'mutation ($id: ID!) { removePasskey(id: $id) }', { id })).data).toEqual({
      removePasskey: true,
    });
    await logOut(alice.page);
    const { result } = await signInWithPasskey(alice.page);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a malformed answer with a clear error', async () => {
    const alice = await app.person(uniqueName('pk'));
    const codes = [];
    for (const response of ['text', 7, [], { id: 'x' }, { id: 'x', response: { clientDataJSON: 'not base64 json' } }]) {
      const result = await inPage(alice.page, 'mutation ($r: JSON!) { loginWithPasskey(response: $r) { token } }', {
        r: response,
      });
      codes.push(result.errors?.[0]?.extensions?.code);
    }
    expect(codes).toEqual(Array(5).fill('BAD_USER_INPUT'));
  });
});
