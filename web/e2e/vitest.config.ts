import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    name: 'e2e',
    root: import.meta.dirname,
    include: ['**/*.e2e.test.ts'],
    globalSetup: ['../../api/test/support/global-setup.ts', './build-web.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default: on a loaded machine a live update can take
    // longer than that without anything being wrong. As long as a locator's wait.
    expect: { poll: { timeout: 15_000 } },
    // One file per core: a file is a browser and a server, and a third at once on two cores made
    // the tier slower than the races it is there to find (two client races were found that way
    // and fixed; the note lists two more seen once each). One browser per file.
    maxWorkers: 2,
  },
});
