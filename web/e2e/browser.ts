import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { PASSWORD } from '../../api/test/support/clients.ts';
import { useTestServer } from '../../api/test/support/harness.ts';

export { seriousA11yProblems } from './a11y.ts';

/** Debian's Chromium unless CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, quiet on a closed network (no background connections). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Playwright gives every launch a fresh, empty profile of its own.
  });
}

type Viewport = { width: number; height: number };

const DESKTOP: Viewport = { width: 1280, height: 800 };

/** For one test file: the real server serving the built client, a browser, and people who sign up in it. */
export function useWebApp(options: { env?: Record<string, string> } = {}) {
  const harness = useTestServer({
    env: { WEB_DIST_DIR: resolve(import.meta.dirname, '../dist'), ...options.env },
  });
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  const started = () => {
    if (!browser) throw new Error('the browser is not launched yet');
    return browser;
  };
  return {
    harness,
    get browser() {
      return started();
    },
    /** Someone new, signed up and in, in a browser context of their own (closed after the test). */
    async person(
      username: string,
      options: { baseUrl?: string; viewport?: Viewport; signUp?: SignUp; touch?: boolean } = {},
    ): Promise<Person> {
      const created = await newPerson(started(), options.baseUrl ?? harness.server.url, username, {
        viewport: options.viewport,
        signUp: options.signUp,
        touch: options.touch,
      });
      harness.defer(() => created.context.close());
      return created;
    },
  };
}

export interface Person {
  username: string;
  context: BrowserContext;
  page: Page;
}

/**
 * How a person gets their account: through the sign-up form, as a new user does (it says the
 * account was made, then goes on to the chat after a pause for reading that), or with the same
 * `signup` mutation sent from their browser context, which stores the session cookie the form
 * would have: the way in for scenarios about something else, without the pause.
 */
export type SignUp = 'form' | 'api';

const SIGNUP = `mutation ($username: String!, $email: String!, $password: String!) {
  signup(username: $username, email: $email, password: $password) { user { username } }
}`;

/**
 * A person in a browser context of their own, signed up and in, with the chat open. `touch`: a
 * phone's touch screen, without a mouse to hover with.
 */
export async function newPerson(
  browser: Browser,
  baseUrl: string,
  username: string,
  options: { viewport?: Viewport | undefined; signUp?: SignUp | undefined; touch?: boolean | undefined } = {},
): Promise<Person> {
  const touch = options.touch ?? false;
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.viewport ?? DESKTOP,
    hasTouch: touch,
    isMobile: touch,
  });
  context.setDefaultTimeout(15_000);
  noteTrouble(context);
  const email = `${username.replace(/\W/g, '')}@example.com`;
  if (options.signUp === 'form') {
    // The form's "Account created" shows for 0.8 s before the chat loads: heard by an observer in
    // the page and kept in the tab's sessionStorage, however late a busy machine would look.
    await context.addInitScript(() => {
      new MutationObserver(() => {
        if (document.body?.textContent?.includes('Account created')) sessionStorage.setItem('test.accountCreated', 'yes');
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const page = await context.newPage();
    await page.goto('/signup/');
    // The fields' names are the compat protocol's, so they are what the tests address.
    await page.locator('input[name=username]').fill(username);
    await page.locator('input[name=email]').fill(email);
    await page.locator('input[name=password1]').fill(PASSWORD);
    await page.locator('input[name=password2]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await loggedIn(page, username);
    if ((await page.evaluate(() => sessionStorage.getItem('test.accountCreated'))) !== 'yes')
      throw new Error(`the sign-up form of ${username} never said "Account created"`);
    return { username, context, page };
  }
  // The account (an argon2 hash on the server) is made while the browser opens the page.
  const [page] = await Promise.all([
    context.newPage(),
    context.request
      .post('/graphql', { data: { query: SIGNUP, variables: { username, email, password: PASSWORD } } })
      .then(async (response) => {
        const body = (await response.json()) as { data?: unknown; errors?: unknown };
        if (!body.data) throw new Error(`signup of ${username} failed: ${JSON.stringify(body.errors)}`);
      }),
  ]);
  await page.goto('/');
  await loggedIn(page, username);
  return { username, context, page };
}

export async function logIn(page: Page, username: string) {
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await loggedIn(page, username);
}

/** Each page's last console errors and uncaught exceptions, for a failure to tell what the page saw. */
const troubles = new WeakMap<Page, string[]>();

function noteTrouble(context: BrowserContext) {
  const note = (page: Page | null, text: string) => {
    if (!page) return;
    const seen = troubles.get(page) ?? [];
    troubles.set(page, [...seen.slice(-9), text]);
  };
  context.on('console', (message) => {
    if (message.type() === 'error') note(message.page(), `console: ${message.text()}`);
  });
  context.on('weberror', (error) => note(error.page(), `uncaught: ${String(error.error())}`));
}

/** The chat is up for `username`: the top bar names them (hidden on phones, so it is waited for attached). */
export async function loggedIn(page: Page, username: string) {
  try {
    await page.getByText(`Logged in as ${username}`).waitFor({ state: 'attached' });
  } catch (error) {
    const shown = await page
      .evaluate(() => document.body?.innerText.slice(0, 400) ?? '(no body)')
      .catch((reason: unknown) => `(unreadable: ${String(reason)})`);
    const trouble = troubles.get(page)?.join('\n  ') || 'none';
    throw new Error(
      `${(error as Error).message}\nat ${page.url()} the page showed: ${JSON.stringify(shown)}\nits errors:\n  ${trouble}`,
      { cause: error },
    );
  }
}

/** Opens the direct chat with `peer` through the search box, as a person starting a chat does. */
export async function openConversation(person: Person, peer: string) {
  await person.page.getByPlaceholder('Find a person…').fill(peer);
  await person.page
    .locator('ul.people li button')
    .filter({ has: person.page.getByText(peer, { exact: true }) })
    .click();
  await person.page.getByRole('heading', { name: peer, exact: true }).waitFor();
}

/** The chat list's row titled `title`. */
export function chatRow(page: Page, title: string) {
  return page
    .getByTestId('chat-row')
    .filter({ has: page.locator('.title').getByText(title, { exact: true }) });
}

/** Opens a conversation from the chat list. */
export async function openChat(person: Person, title: string) {
  await chatRow(person.page, title).click();
  await person.page.getByRole('heading', { name: title, exact: true }).waitFor();
}

/** The chat list as shown, top first: each row's title and unread count ('' without a badge), read at one instant. */
export function chatList(page: Page): Promise<string[][]> {
  return page
    .getByTestId('chat-row')
    .evaluateAll((rows) =>
      rows.map((row) => [
        row.querySelector('.title')?.textContent ?? '',
        row.querySelector('[data-testid=unread]')?.textContent?.replace(/\D/g, '') ?? '',
      ]),
    );
}

export async function send(person: Person, text: string) {
  const composer = person.page.getByLabel(/^Message to /);
  await composer.fill(text);
  await composer.press('Enter');
}

/** The bodies of the messages shown, in order. */
export function shownBodies(page: Page): Promise<string[]> {
  return page.getByTestId('message').locator('.body').allTextContents();
}

/** The open conversation's id, from the address (`/c/<id>`). */
export async function conversationId(page: Page): Promise<string> {
  await page.waitForURL(/\/c\/[^/]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
}

/** A GraphQL request from `person`'s page, with their session, as the client's own requests go; its `data`, or a throw. */
export async function graphqlAs<T>(person: Person, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = await person.page.evaluate(
    async ([query, variables]) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: unknown; errors?: unknown };
    },
    [query, variables] as const,
  );
  if (!body.data) throw new Error(`${query} failed: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

/** A group titled `title` that `owner` makes with `members` (usernames); its id. */
export async function groupOf(owner: Person, title: string, members: readonly string[]): Promise<string> {
  const data = await graphqlAs<{ createGroup: { id: string } }>(
    owner,
    'mutation ($title: String!, $members: [String!]!) { createGroup(title: $title, members: $members) { id } }',
    { title, members },
  );
  return data.createGroup.id;
}

/**
 * Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain): a platform
 * authenticator that keeps discoverable credentials and verifies its user, as a phone or a
 * laptop's fingerprint reader does.
 */
export async function virtualAuthenticator(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}
