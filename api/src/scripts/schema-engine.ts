/**
 * Prisma's schema engine (the one `prisma migrate` runs), compiled to
 * WebAssembly, for development only: it is a development dependency, and the
 * server applies plain SQL migrations (api/src/db/migrations.ts) without it.
 * Prisma's CLI wants a native engine downloaded from Prisma's own host, which
 * these machines cannot reach; this is the same engine from the npm registry.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

const schemaPath = resolve(import.meta.dirname, '../../../prisma/schema.prisma');
const noFilters = { externalTables: [], externalEnums: [] };
/** PostgreSQL's one-byte internal type `"char"`, and `text`. */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

let wasmReady: Promise<void> | undefined;
/**
 * Where the engine writes a Rust panic's message before it traps. The trap
 * reaches Node as an unhandled "RuntimeError: unreachable" that says nothing,
 * so the message is printed as it comes.
 */
const panicRegistry = {
  set_message: (message: string) => console.error(`Prisma's schema engine panicked: ${message}`),
};

/** The package is built for bundlers: in Node its WebAssembly is instantiated by hand, once. */
function loadEngineWasm(): Promise<void> {
  wasmReady ??= (async () => {
    Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: panicRegistry });
    const bindingsPath = createRequire(import.meta.url).resolve(
      '@prisma/schema-engine-wasm/schema_engine_bg',
    );
    const module = await WebAssembly.compile(await readFile(bindingsPath.replace(/\.js$/, '.wasm')));
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': engineBindings });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

/**
 * Prisma's driver adapter for pg, taught PostgreSQL's one-byte `"char"` type.
 * The engine reads the constraints other than keys (checks, exclusions, and
 * on PostgreSQL 18 every NOT NULL) with a query returning `pg_constraint.contype`,
 * of that type, which @prisma/adapter-pg 7.10 does not map: "Column type
 * 'char' could not be deserialized from the database". The pool reports such
 * columns as text to the adapter (pg already parses their values as strings)
 * and the adapter's result then names them as characters, as the engine's
 * reader of that column requires.
 */
function charAwarePg(connectionString: string): { pool: pg.Pool; factory: PrismaPg } {
  const pool = new pg.Pool({ connectionString });
  /** Each result's `"char"` columns, by its rows: the adapter hands the same array on. */
  const charColumns = new WeakMap<unknown[], number[]>();
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  // The adapter queries outside transactions through `pool.query(config)`; the engine's
  // reading of the database's schema runs outside them.
  pool.query = (async (config: pg.QueryConfig) => {
    const result = await query(config);
    const columns = result.fields.flatMap((field, index) =>
      field.dataTypeID === PG_CHAR_OID ? [index] : [],
    );
    for (const index of columns) result.fields[index]!.dataTypeID = PG_TEXT_OID;
    if (columns.length > 0) charColumns.set(result.rows, columns);
    return result;
  }) as typeof pool.query;
  const factory = new PrismaPg(pool);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (sqlQuery) => {
      const result = await queryRaw(sqlQuery);
      for (const index of charColumns.get(result.rows) ?? [])
        result.columnTypes[index] = ColumnTypeEnum.Character;
      return result;
    };
    return adapter;
  };
  return { pool, factory };
}

/**
 * The SQL that takes the database at `connectionString` to what
 * `prisma/schema.prisma` declares: what the next migration must do, or ''
 * when they agree.
 */
export async function diffDatabaseToSchema(connectionString: string): Promise<string> {
  await loadEngineWasm();
  const files = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];
  const { pool, factory } = charAwarePg(connectionString);
  try {
    const engine = await engineBindings.SchemaEngine.new(
      { datamodels: files.map((file) => [file.path, file.content]) },
      () => {},
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    try {
      const result = await engine.diff({
        from: { tag: 'schemaDatasource', files, configDir: resolve(schemaPath, '..') },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        // Asks the engine to say whether there is a difference: exit code 2 when there is.
        exitCode: true,
        filters: noFilters,
      });
      return result.exitCode === 2 ? (result.stdout ?? '') : '';
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}
