import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './ports.ts';

export interface MainProcess {
  child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  server: { url: string; wsUrl: string };
  port: number;
  /** Everything the process has written to stdout so far (its JSON log lines). */
  output: () => string;
}

/**
 * `main.ts` in a child process, as `npm start` runs it (process-wide handlers
 * and backstops included), resolved once it says it listens. `stop` is for the
 * caller's disposer list: it kills the process if it still runs.
 */
export async function startMain(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<MainProcess & { stop: () => void }> {
  const port = await freePort();
  // The zero-setup default: no REDIS_URL, whatever the machine running the tests exports.
  const inherited = { ...process.env };
  delete inherited.REDIS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../../src/main.ts')], {
    env: {
      ...inherited,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SENDS_PER_USER_BURST: '100000',
      SENDS_PER_USER_PER_MINUTE: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no start banner in time:\n${output}`)), 30_000);
    const check = () => {
      if (!output.includes('chat listening on')) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      ready();
    };
    child.stdout.on('data', check);
    child.on('exit', () => fail(new Error(`exited before listening:\n${output}`)));
  });
  return {
    child,
    exited,
    server: { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql` },
    port,
    output: () => output,
    stop: () => void child.kill('SIGKILL'),
  };
}
