import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** `npm run screenshots`: the README's pictures, taken from the real app. Never part of the test run. */
export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    name: 'screenshots',
    root: import.meta.dirname,
    include: ['screenshots.run.ts'],
    globalSetup: ['../../api/test/support/global-setup.ts', './build-web.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
