import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const api = process.env.API_URL ?? 'http://localhost:8000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      input: {
        chat: resolve(import.meta.dirname, 'index.html'),
        login: resolve(import.meta.dirname, 'login/index.html'),
        signup: resolve(import.meta.dirname, 'signup/index.html'),
      },
    },
  },
  server: {
    // The dev server serves the client; everything the API answers goes to it.
    proxy: {
      '^/(graphql|ws/)': { target: api, ws: true, changeOrigin: false },
      '^/(api|logout)/': api,
      '^/(login|signup)/$': {
        target: api,
        bypass: (request) => (request.method === 'GET' ? request.url : undefined),
      },
    },
  },
  test: {
    // Projects run one after another: api, then web, then e2e.
    sequence: { groupOrder: 1 },
    name: 'web',
    include: ['src/**/*.test.ts'],
    environment: 'jsdom',
    // One jsdom per worker rather than one per file: setting it up was 95% of this project's time.
    isolate: false,
    // A reader's time zone and locale unlike a server's (UTC, en-US), fixed so that tests can
    // expect exact strings. Set when the worker starts: the default locale is read only then.
    env: { TZ: 'Asia/Kolkata', LANG: 'de_DE.UTF-8' },
  },
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
});
