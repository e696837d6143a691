import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashInputs, recordBuild, STAMP_FILE, staleness, TARGETS } from './build-targets.ts';

const TSX = resolve(import.meta.dirname, '../../../node_modules/tsx/dist/cli.mjs');
const BUILD = resolve(import.meta.dirname, 'build.ts');
const prisma = TARGETS.find((target) => target.name === 'prisma')!;
const web = TARGETS.find((target) => target.name === 'web')!;

/** A checkout's inputs and built outputs in miniature, with no node_modules: a production install. */
const FILES = [
  'package-lock.json',
  'tsconfig.json',
  'prisma/schema.prisma',
  'web/index.html',
  'web/src/main.ts',
  'web/src/main.test.ts',
  'web/e2e/chat.e2e.test.ts',
  'web/dist/index.html',
  'api/src/generated/prisma/client.ts',
  'api/src/generated/pothos-types.ts',
];

let root: string;
const write = async (file: string, content: string) => {
  await mkdir(dirname(join(root, file)), { recursive: true });
  await writeFile(join(root, file), content);
};
const recordAll = async () => {
  for (const target of TARGETS) await recordBuild(root, target, await hashInputs(root, target));
};

/** The real `build.ts --if-stale` in the miniature checkout: exit code and output. */
async function ifStale(): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [TSX, BUILD, '--if-stale'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('exit', done);
  });
  return { code, output };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'chat-build-'));
  for (const file of FILES) await write(file, `${file} v1\n`);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('whether the build is current', () => {
  it('is not, before a build recorded its inputs; is, after', async () => {
    expect(await staleness(root, web)).toMatch(/no record/);
    await recordAll();
    expect(await staleness(root, web)).toBeUndefined();
    expect(await staleness(root, prisma)).toBeUndefined();
  });

  it('is not once an input’s content changed, or an input was added, naming it', async () => {
    await recordAll();
    await write('web/src/main.ts', 'changed\n');
    expect(await staleness(root, web)).toMatch(/out of date: web\/src\/main\.ts changed/);
    expect(await staleness(root, prisma)).toBeUndefined();
    await recordAll();
    await write('web/src/added.svelte', 'new\n');
    expect(await staleness(root, web)).toMatch(/web\/src\/added\.svelte/);
    await write('prisma/schema.prisma', 'changed\n');
    expect(await staleness(root, prisma)).toMatch(/prisma\/schema\.prisma/);
    await write('package-lock.json', 'changed\n');
    expect(await staleness(root, prisma)).toMatch(/package-lock\.json/);
  });

  it('stays current when only tests, the browser tests or the output changed', async () => {
    await recordAll();
    await write('web/src/main.test.ts', 'changed\n');
    await write('web/e2e/chat.e2e.test.ts', 'changed\n');
    await write('web/dist/index.html', 'rebuilt\n');
    expect(await staleness(root, web)).toBeUndefined();
  });

  it('is not when an output is missing', async () => {
    await recordAll();
    await rm(join(root, 'web/dist'), { recursive: true });
    expect(await staleness(root, web)).toMatch(/has not been built \(no web\/dist\/index\.html\)/);
  });
});

describe('the check before npm start, on an install without development dependencies', () => {
  it('starts without building when the build is current', async () => {
    await recordAll();
    expect(await ifStale()).toEqual({ code: 0, output: '' });
  });

  it('stops, building nothing, and says to build before leaving the development dependencies out', async () => {
    await recordAll();
    await write('web/src/main.ts', 'changed\n');
    const stamp = await readFile(join(root, STAMP_FILE), 'utf8');
    const result = await ifStale();
    expect(result.code).toBe(1);
    expect(result.output).toContain('the web client (web/dist) is out of date: web/src/main.ts changed');
    expect(result.output).toContain('(vite, @sveltejs/vite-plugin-svelte)');
    expect(result.output).toContain('npm ci && npm run build && npm ci --omit=dev');
    expect(await readFile(join(root, STAMP_FILE), 'utf8')).toBe(stamp);
    expect(await readFile(join(root, 'web/dist/index.html'), 'utf8')).toBe('web/dist/index.html v1\n');
  });
});
