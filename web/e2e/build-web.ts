import { build } from 'vite';
import { resolve } from 'node:path';

/** The e2e tests drive what `npm start` serves: the production build of the client. */
export default async function setup() {
  await build({ configFile: resolve(import.meta.dirname, '../vite.config.ts'), logLevel: 'warn' });
}
