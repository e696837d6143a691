/**
 * What `npm run build` makes, from which files, and whether what is on disk is
 * still what those files build. A build records a hash of each input file in
 * `.build-stamp.json`; an output is current when it exists and every input
 * still hashes the same. Content hashes, not modification times: a copy of the
 * checkout, a `git checkout` or a `touch` changes times, not what is built.
 * This module imports no development dependency: a production install runs it
 * before every start.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface BuildTarget {
  name: 'prisma' | 'web';
  /** What it is, for messages. */
  title: string;
  /** Files (relative to the project's root) whose content decides the output. */
  inputs(root: string): Promise<string[]>;
  /** Files every build leaves; a missing one means the output was deleted. */
  outputs: string[];
  /** The development dependencies the build runs, which a production install may lack. */
  tools: string[];
  build(root: string): Promise<void>;
}

export const STAMP_FILE = '.build-stamp.json';

/** Every dependency's exact version: a new Prisma or Vite (or Svelte, urql...) may build differently. */
const LOCKFILE = 'package-lock.json';

/**
 * Everything under web/ that Vite's build reads: the pages (index.html,
 * login/, signup/, any added later), src/, public/, vite.config.ts,
 * tsconfig.json. Left out: the build's own output (dist/), the browser tests
 * (e2e/) and unit tests (*.test.ts), none of which the build reads, so
 * editing a test does not rebuild the client.
 */
async function webSources(root: string): Promise<string[]> {
  const entries = await readdir(join(root, 'web'), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !path.startsWith('web/dist/') && !path.startsWith('web/e2e/'));
}

/** Runs `npm run <script>` in `root`, its output shown; rejects when it fails. */
function npmRun(root: string, script: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', script], { cwd: root, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`npm run ${script} exited with ${code}`)),
    );
  });
}

export const TARGETS: readonly BuildTarget[] = [
  {
    name: 'prisma',
    title: 'the Prisma client (api/src/generated)',
    inputs: () => Promise.resolve(['prisma/schema.prisma', LOCKFILE]),
    outputs: ['api/src/generated/prisma/client.ts', 'api/src/generated/pothos-types.ts'],
    tools: ['prisma'],
    build: (root) => npmRun(root, 'generate'),
  },
  {
    name: 'web',
    title: 'the web client (web/dist)',
    // The root tsconfig.json: web/tsconfig.json extends it, and Vite reads compiler options from it.
    inputs: async (root) => [...(await webSources(root)), 'tsconfig.json', LOCKFILE],
    outputs: ['web/dist/index.html'],
    tools: ['vite', '@sveltejs/vite-plugin-svelte'],
    build: async (root) => {
      const { build } = await import('vite');
      await build({ configFile: join(root, 'web/vite.config.ts') });
    },
  },
];

/** Input file -> sha256 of its content. */
export type InputHashes = Record<string, string>;
type Stamp = Partial<Record<BuildTarget['name'], InputHashes>>;

export async function hashInputs(root: string, target: BuildTarget): Promise<InputHashes> {
  const files = (await target.inputs(root)).sort();
  const hashes = await Promise.all(
    files.map(async (file) =>
      createHash('sha256')
        .update(await readFile(join(root, file)))
        .digest('hex'),
    ),
  );
  return Object.fromEntries(files.map((file, index) => [file, hashes[index]!]));
}

async function readStamp(root: string): Promise<Stamp> {
  try {
    return JSON.parse(await readFile(join(root, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return {};
  }
}

/** Records that `target` was just built from inputs with these hashes (taken before the build began). */
export async function recordBuild(root: string, target: BuildTarget, hashes: InputHashes): Promise<void> {
  const stamp = await readStamp(root);
  stamp[target.name] = hashes;
  await writeFile(join(root, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
}

/** Why `target` must be built before the server can run, or undefined when it is current. */
export async function staleness(root: string, target: BuildTarget): Promise<string | undefined> {
  const missing = target.outputs.find((output) => !existsSync(join(root, output)));
  if (missing) return `${target.title} has not been built (no ${missing})`;
  const built = (await readStamp(root))[target.name];
  if (!built) return `${target.title} has no record of what it was built from (no ${STAMP_FILE} entry)`;
  const now = await hashInputs(root, target);
  const changed = [...new Set([...Object.keys(built), ...Object.keys(now)])]
    .filter((file) => built[file] !== now[file])
    .sort();
  if (changed.length === 0) return undefined;
  const shown = changed.length > 3 ? [...changed.slice(0, 3), `${changed.length - 3} more`] : changed;
  return `${target.title} is out of date: ${shown.join(', ')} changed since it was built`;
}

/** The development dependencies `target` needs that the install in `root` lacks. */
export function missingTools(root: string, target: BuildTarget): string[] {
  return target.tools.filter((tool) => !existsSync(join(root, 'node_modules', tool, 'package.json')));
}
