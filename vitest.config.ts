import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['api/vitest.config.ts', 'web/vite.config.ts', 'web/e2e/vitest.config.ts'],
  },
});
