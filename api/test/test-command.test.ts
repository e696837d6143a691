import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');
const CONFIG = resolve(import.meta.dirname, 'fixtures/test-command/vitest.config.ts');

/** Runs the real vitest CLI with the api project's config over one fixture file; its exit code and output. */
async function vitestRun(fixture: 'fails' | 'passes', databaseUrl: string | undefined) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'DATABASE_URL'),
  );
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG, `${fixture}.fixture.ts`], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('exit', done);
  });
  return { code, output: stripVTControlCharacters(output) };
}

describe('the test command', () => {
  // Without DATABASE_URL the global setup runs an embedded PostgreSQL; with it, it uses that server.
  for (const database of ['embedded', 'DATABASE_URL'] as const) {
    const databaseUrl = () => (database === 'embedded' ? undefined : inject('adminDatabaseUrl'));

    it(`exits 1 when a test fails (${database} PostgreSQL)`, async () => {
      const run = await vitestRun('fails', databaseUrl());
      expect(run.output).toMatch(/Tests\s+1 failed \(1\)/);
      expect(run.code, run.output).toBe(1);
    });

    it(`exits 0 when every test passes (${database} PostgreSQL)`, async () => {
      const run = await vitestRun('passes', databaseUrl());
      expect(run.output).toMatch(/Tests\s+1 passed \(1\)/);
      expect(run.code, run.output).toBe(0);
    });
  }
});
