import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

const prismaDir = resolve(import.meta.dirname, '../../../prisma');
const migrationsDir = join(prismaDir, 'migrations');
const schemaPath = join(prismaDir, 'schema.prisma');
const noFilters = { externalTables: [], externalEnums: [] };
/** Serialises instances that start together; distinct from the lock Prisma's native CLI takes. */
const MIGRATION_LOCK_KEY = 7_270_736_901;

let wasmReady: Promise<void> | undefined;

/**
 * Prisma's CLI downloads a native schema engine, which these machines cannot
 * fetch; the same engine is published compiled to WebAssembly, so we drive it
 * directly. It records history in `_prisma_migrations` exactly as the CLI does.
 */
function loadEngineWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const wasmPath = join(
      import.meta.dirname,
      '../../../node_modules/@prisma/schema-engine-wasm/schema_engine_bg.wasm',
    );
    const module = await WebAssembly.compile(await readFile(wasmPath));
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': engineBindings });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

/**
 * Runs `use` with a schema engine on the database, then closes the engine's
 * connections: the engine's session keeps Prisma's migration lock, and a
 * connection left idle would hold it until the pool's idle timeout, stalling
 * the next instance's migrations for that long.
 */
async function withEngine<T>(
  connectionString: string,
  log: (message: string) => void,
  use: (engine: engineBindings.SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadEngineWasm();
  const schema = await readFile(schemaPath, 'utf8');
  const pool = new pg.Pool({ connectionString });
  try {
    const engine = await engineBindings.SchemaEngine.new(
      { datamodels: [[schemaPath, schema]] },
      (message: string) => log(message),
      bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool)),
    );
    try {
      return await use(engine);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

async function readMigrationsList(before?: string) {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && (before === undefined || entry.name < before))
    .map((entry) => entry.name)
    .sort();
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: {
            tag: 'ok' as const,
            value: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8'),
          },
        },
      })),
    ),
  };
}

/**
 * Applies the migrations in `prisma/migrations` that the database lacks. Safe
 * when several instances start at once: they queue on an advisory lock and
 * the later ones find nothing left to apply. `before` (a migration's name)
 * stops short of it, so a test can build a database as an older release left it.
 */
export async function applyMigrations(
  connectionString: string,
  log: (message: string) => void = () => {},
  before?: string,
): Promise<string[]> {
  const lockClient = new pg.Client({ connectionString });
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await withEngine(connectionString, log, async (engine) => {
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: await readMigrationsList(before),
        filters: noFilters,
      });
      return appliedMigrationNames;
    });
  } finally {
    await lockClient.end();
  }
}

/** The SQL that takes an empty database to `prisma/schema.prisma`: the first migration. */
export function diffFromEmpty(connectionString: string): Promise<string> {
  return withEngine(
    connectionString,
    () => {},
    async (engine) => {
      const schema = await readFile(schemaPath, 'utf8');
      const result = await engine.diff({
        from: { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
        script: true,
        exitCode: null,
        filters: noFilters,
      });
      return result.stdout ?? '';
    },
  );
}
