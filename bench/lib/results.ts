import { cpus, release, totalmem } from 'node:os';
import type { HistoryResult, LiveRun } from './protocol.ts';

/**
 * One offered rate, run `runs.length` times. It passes on its worst repeat:
 * `worst` is the run with the highest p99, and the step passes only if that
 * p99 meets the goal and no run lost, duplicated, misdelivered or misstored a
 * message (the median of the repeats would hide a repeat that stalled).
 */
export interface Step {
  rate: number;
  runs: LiveRun[];
  worst: LiveRun;
  passed: boolean;
}

/** What PostgreSQL did on its own during a run: a checkpoint finished, autovacuum and autoanalyze runs on the bench's tables. */
export interface Maintenance {
  checkpoint: boolean;
  autovacuums: number;
  autoanalyzes: number;
}

/** A long run at a rate the short steps passed, held to the same goal. */
export interface Confirmation {
  rate: number;
  run: LiveRun;
  maintenance?: Maintenance;
  passed: boolean;
}

export interface Sweep {
  /** Unmeasured for speed, but checked like the others for loss. */
  warmUp: LiveRun;
  steps: Step[];
  goalMs: number;
  /** The highest offered rate whose step passed with every lower step passing too. */
  sweptRate: number;
  /**
   * The confirmation runs, from `sweptRate` down, until one passes; empty for a
   * sweep that is not confirmed (the references).
   */
  confirmations: Confirmation[];
  /** The headline: the rate a confirmation run held, or `sweptRate` where there is none to make. */
  bestRate: number;
}

/** Resident memory over a baseline: sampled as it is (no collection forced), and after a forced full GC. */
export interface Held {
  sockets: number;
  connectMs: number;
  retries: number;
  /** The median and the highest of the samples taken once the server had gone quiet, over the baseline's median. */
  steadyRssGrowthKiB: { median: number; max: number; samples: number };
  rssGrowthKiB: number;
  heapGrowthKiB: number;
  delivery: LiveRun;
}

export type LiveKey =
  'http' | 'socket' | 'compat' | 'bareRelay' | 'pgRelay' | 'pgBatchRelay' | 'twoInstances';

export interface Results {
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machine>;
  command: string;
  plan: { repeats: number; durationMs: number; confirmMs: number; steadyWindowMs: number };
  live: Record<LiveKey, Sweep>;
  group: { members: number; connected: number; sweep: Sweep };
  held: Held[];
  history: { conversations: number; messagesEach: number; result: HistoryResult };
}

export function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    date: new Date().toISOString(),
  };
}

/** The 1:1 sweeps in the order of the tables, with their labels and the chart's colours. */
export const SERIES: ReadonlyArray<readonly [LiveKey, string, string]> = [
  ['http', 'GraphQL, sent over HTTP (web client, socket down)', '#a78bfa'],
  ['socket', 'GraphQL, sent over graphql-ws (web client)', '#6d28d9'],
  ['compat', 'compat WebSocket', '#db2777'],
  ['twoInstances', 'GraphQL over HTTP, two instances', '#0891b2'],
  ['pgBatchRelay', 'reference: ws + group commit', '#15803d'],
  ['pgRelay', 'reference: ws + one INSERT', '#84cc16'],
  ['bareRelay', 'reference: bare ws relay', '#78716c'],
];

/** What went wrong with a run's messages, one line each; none when each was delivered and stored once. */
export function faultsOf(run: LiveRun): string[] {
  const faults: string[] = [];
  if (run.lost > 0) faults.push(`${run.lost} lost (accepted, never received by an intended recipient)`);
  if (run.duplicates > 0) faults.push(`${run.duplicates} duplicated (received twice by one recipient)`);
  if (run.misdelivered > 0) faults.push(`${run.misdelivered} stray (received by someone they were not for)`);
  if (run.misstored)
    faults.push(`${run.misstored} stored other than once (${run.accepted} accepted, ${run.stored} rows)`);
  return faults;
}
