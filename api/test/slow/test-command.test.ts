import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
const CONFIG = resolve(import.meta.dirname, '../fixtures/test-command/vitest.config.ts');

/** Runs `node args` from the project's root with `env` on top of ours (minus vitest's own); its exit code and output. */
async function run(args: string[], env: Record<string, string | undefined>) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  );
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...inherited, ...env },
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

/** The real vitest CLI with the api project's config over one fixture file. */
const vitestRun = (fixture: 'fails' | 'passes', databaseUrl: string | undefined) =>
  run([VITEST, 'run', '--config', CONFIG, `${fixture}.fixture.ts`], { DATABASE_URL: databaseUrl });

describe('the test command', () => {
  // Without DATABASE_URL the global setup runs an embedded PostgreSQL; with it, it uses that server.
  for (const database of ['embedded', 'DATABASE_URL'] as const) {
    const databaseUrl = () => (database === 'embedded' ? undefined : inject('adminDatabaseUrl'));

    it(`exits 1 when a test fails (${database} PostgreSQL)`, async () => {
      const result = await vitestRun('fails', databaseUrl());
      expect(result.output).toMatch(/Tests\s+1 failed \(1\)/);
      expect(result.code, result.output).toBe(1);
    });

    it(`exits 0 when every test passes (${database} PostgreSQL)`, async () => {
      const result = await vitestRun('passes', databaseUrl());
      expect(result.output).toMatch(/Tests\s+1 passed \(1\)/);
      expect(result.code, result.output).toBe(0);
    });
  }

  it('first names what the machine lacks, with the apt-get line, and fails', async () => {
    const check = await run([TSX, 'api/test/support/requirements.ts', '--browser'], {
      NGINX_BINARY: '/nowhere/nginx',
      CHROMIUM_PATH: '/nowhere/chromium',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(check.output).toContain('nginx at /nowhere/nginx');
    expect(check.output).toContain('Chromium at /nowhere/chromium');
    expect(check.output).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    expect(check.output).toContain('apt-get install -y nginx chromium');
    expect(check.code).toBe(1);
  });
});
