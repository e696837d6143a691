/**
 * `npm run build`: generates the Prisma client and builds the web client, and
 * records what they were built from. With `--if-stale` (before `npm start` and
 * `npm test`), builds only what is missing or out of date, so a start that
 * finds everything current costs a few file hashes. A production install
 * (`npm ci --omit=dev`) has no build tools: there a stale build stops the
 * start with what to run, instead of failing on a missing module.
 *
 * Usage: tsx api/src/scripts/build.ts [--if-stale] [prisma|web ...]
 * (no target names: all of them). Paths are relative to the working
 * directory, which npm sets to the project's root.
 */
import {
  type BuildTarget,
  hashInputs,
  missingTools,
  recordBuild,
  staleness,
  TARGETS,
} from './build-targets.ts';

const root = process.cwd();
const args = process.argv.slice(2);
const ifStale = args.includes('--if-stale');
const names = args.filter((arg) => arg !== '--if-stale');
const unknown = names.filter((name) => !TARGETS.some((target) => target.name === name));
if (unknown.length > 0) {
  console.error(
    `Unknown build target ${unknown.join(', ')}; the targets: ${TARGETS.map((t) => t.name).join(', ')}`,
  );
  process.exit(2);
}
const chosen = TARGETS.filter((target) => names.length === 0 || names.includes(target.name));

// Everything is checked before anything is built, so a production install stops at once, having
// changed nothing, with every reason together.
const work: Array<{ target: BuildTarget; why: string }> = [];
for (const target of chosen) {
  const why = ifStale ? await staleness(root, target) : `npm run build: building ${target.title}`;
  if (why) work.push({ target, why });
}
const missing = [...new Set(work.flatMap(({ target }) => missingTools(root, target)))];
if (missing.length > 0) {
  console.error(
    [
      ...work.map(({ why }) => `${why}.`),
      `Building needs the development dependencies (${missing.join(', ')}), which this install lacks`,
      '(npm ci --omit=dev). Build first, then leave them out:',
      '  npm ci && npm run build && npm ci --omit=dev',
    ].join('\n'),
  );
  process.exit(1);
}
for (const { target, why } of work) {
  console.error(ifStale ? `${why}: building it.` : `${why}.`);
  // Hashed before the build starts: a file edited during it makes the next check build again.
  const hashes = await hashInputs(root, target);
  await target.build(root);
  await recordBuild(root, target, hashes);
}
