import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `npm test`: the server's tests, then the web client's. The browser tests are a tier of
    // their own (`npm run test:e2e`, web/e2e/vitest.config.ts), as are the soaks (`npm run test:slow`).
    projects: ['api/vitest.config.ts', 'web/vite.config.ts'],
  },
});
