import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Projects run one after another: api, then web, then e2e.
    sequence: { groupOrder: 2 },
    name: 'e2e',
    root: import.meta.dirname,
    include: ['**/*.e2e.test.ts'],
    globalSetup: ['../../api/test/support/global-setup.ts', './build-web.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // One browser at a time: the scenarios are heavy for two cores.
    fileParallelism: false,
  },
});
