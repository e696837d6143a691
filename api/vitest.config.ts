import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// The push tests' stand-in push service has a certificate of its own: the server under test trusts
// it as a deployment trusts a private CA, through NODE_EXTRA_CA_CERTS, which Node reads when a
// process starts: set here, before the workers are forked, added to any the machine sets already.
const testCa = readFileSync(resolve(import.meta.dirname, 'test/fixtures/push-tls/cert.pem'), 'utf8');
const machineCas = process.env.NODE_EXTRA_CA_CERTS ? readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8') : '';
if (!machineCas.includes(testCa)) {
  const bundle = join(tmpdir(), `chat-test-ca-${process.pid}.pem`);
  writeFileSync(bundle, `${machineCas}\n${testCa}`);
  process.env.NODE_EXTRA_CA_CERTS = bundle;
}

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for our dependencies; Vite would pick its ESM
    // build for our own files, and graphql refuses to mix types from the two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Projects run one after another: api, then web, then e2e.
    sequence: { groupOrder: 0 },
    name: 'api',
    root: import.meta.dirname,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The slow tier (soaks, and the test of `npm test` itself) has a config of its own.
    exclude: [...configDefaults.exclude, 'test/slow/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files each run their own server and database. Three at a time on two cores:
    // much of a file's time is waiting (heartbeats, graces, child processes), and no test
    // depends on the machine being idle.
    maxWorkers: 3,
    // Each worker imports the server once, not once per file: that import was a third of the
    // project's CPU. Files share nothing else: each starts its own servers on its own database.
    isolate: false,
  },
});
