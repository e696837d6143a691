import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Job, JobResult } from './protocol.ts';
import { summarize } from './stats.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Resident memory of a process, in KiB, as the kernel counts it. */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/** CPU time a process has used so far, user and system, in milliseconds. */
export function cpuMs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

const aSecond = () => new Promise((resolve) => setTimeout(resolve, 1_000));

/**
 * Resident memory of a process as it stands, no collection forced: once it has
 * gone quiet (under 50 ms of CPU in a second: the connections it was taking are
 * set up; at most a minute's wait), its RSS every second for `windowMs`, so that
 * the garbage a running server carries and its keepalive rounds are in it.
 */
export async function steadyRss(pid: number, windowMs: number) {
  const deadline = Date.now() + 60_000;
  for (let before = cpuMs(pid); Date.now() < deadline;) {
    await aSecond();
    const used = cpuMs(pid) - before;
    if (used < 50) break;
    before += used;
  }
  const samples: number[] = [];
  for (let elapsed = 0; elapsed < windowMs; elapsed += 1_000) {
    samples.push(rssKiB(pid));
    await aSecond();
  }
  const { p50, max, count } = summarize(samples);
  return { medianKiB: p50, maxKiB: max, samples: count };
}

async function waitUntil(
  ready: () => Promise<boolean>,
  what: string,
  child: ChildProcess,
  timeoutMs = 60_000,
) {
  const end = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > end) throw new Error(`${what} did not come up`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function stopper(child: ChildProcess) {
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };
}

export interface Memory {
  rssKiB: number;
  heapKiB: number;
  externalKiB: number;
}

export interface RunningProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The chat server as it is deployed: `api/src/main.ts` in a process of its own,
 * ready on /readyz. With BENCH_CPU_PROFILE_DIR set, each server writes a
 * `.cpuprofile` there when it stops (open it in Chrome DevTools or speedscope).
 * `{ gc: true }` runs it under gc-server.ts instead, whose `memory()` is the
 * server's own figure after a forced full collection.
 */
export async function startChatServer(
  port: number,
  env: Record<string, string>,
  options: { gc?: boolean } = {},
): Promise<RunningProcess & { memory(): Promise<Memory> }> {
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const entry = options.gc
    ? ['--expose-gc', '--import', 'tsx', 'bench/lib/gc-server.ts']
    : ['--import', 'tsx', 'api/src/main.ts'];
  const child = spawn(process.execPath, [...profiling, ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', ...(options.gc ? (['ipc'] as const) : [])],
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = () =>
    fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
  await waitUntil(ready, 'the chat server', child);
  const memory = () =>
    new Promise<Memory>((done, fail) => {
      if (!options.gc) return fail(new Error('started without { gc: true }'));
      child.once('message', (reply) => done(reply as Memory));
      child.send('gc');
    });
  return { url, pid: child.pid!, stop: stopper(child), memory };
}

/** A reference relay (bench/references/*.ts), ready when it says so. */
export async function startReference(script: string, port: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', `bench/references/${script}`], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitUntil(() => Promise.resolve(output.includes('ready')), script, child);
  return { url: `ws://127.0.0.1:${port}`, pid: child.pid!, stop: stopper(child) };
}

/** The load generator (bench/load.ts): one job at a time, each answered with its measurements. */
export function startGenerator() {
  const child = fork(resolve(ROOT, 'bench/load.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    ask<T extends JobResult>(job: Job): Promise<T> {
      return new Promise((done, fail) => {
        const onExit = (code: number | null) => fail(new Error(`the load generator exited with ${code}`));
        child.once('exit', onExit);
        child.once('message', (reply: { ok: boolean; result?: T; error?: string }) => {
          child.off('exit', onExit);
          if (reply.ok) done(reply.result as T);
          else fail(new Error(reply.error));
        });
        child.send(job);
      });
    },
    stop: stopper(child),
  };
}
