import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

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
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files each run their own server and database; two cores fit two at a time.
    maxWorkers: 2,
  },
});
