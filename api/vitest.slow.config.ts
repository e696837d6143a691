import { configDefaults, defineConfig } from 'vitest/config';
import api from './vitest.config.ts';

/**
 * `npm run test:slow`: what is long by its nature (a soak that holds an outage for a minute,
 * the fuzzing campaign, the test that runs the test command itself), kept out of `npm test`. The api
 * project's settings, global setup included, over `test/slow/`.
 */
export default defineConfig({
  ...api,
  test: {
    ...api.test,
    name: 'slow',
    include: ['test/slow/**/*.test.ts'],
    exclude: configDefaults.exclude,
    testTimeout: 180_000,
  },
});
