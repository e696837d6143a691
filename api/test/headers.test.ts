import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signup } from './support/clients.ts';
import { createTestDatabase } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const harness = useTestServer();

function expectProtected(response: Response) {
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('same-origin');
}

describe('security headers without nginx in front', () => {
  it('sets CSP, X-Frame-Options and nosniff on /, /login/ and /graphql', async () => {
    const { url } = harness.server;
    const user = await signup(harness.server);
    expectProtected(await fetch(`${url}/`, { headers: { cookie: `sessionid=${user.token}` } }));
    expectProtected(await fetch(`${url}/login/`));
    expectProtected(await fetch(`${url}/assets/app.js`));
    expectProtected(
      await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { id } }' }),
      }),
    );
  });

  it('lets GraphiQL (development only) run its inline page, still unframeable', async () => {
    const response = await fetch(`${harness.server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await response.text()).toContain('<script>');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  describe('in production (no GraphiQL)', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let production: TestServer;
    beforeAll(async () => {
      database = await createTestDatabase();
      production = await startTestServer({ databaseUrl: database.url, env: { GRAPHIQL: 'false' } });
    });
    afterAll(async () => {
      await production.stop();
      await database.drop();
    });

    it('keeps the strict policy on GET /graphql', async () => {
      expectProtected(await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } }));
    });
  });
});
