import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chart } from './chart.ts';
import type { LiveRun } from './protocol.ts';
import {
  faultsOf,
  SERIES,
  type Confirmation,
  type Held,
  type LiveKey,
  type Results,
  type Step,
  type Sweep,
} from './results.ts';
import type { LatencySummary } from './stats.ts';

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(row.map(String))),
  ].join('\n');
}

const spreadOf = (step: Step) => {
  const p99s = step.runs.map((run) => run.latency.p99);
  return step.runs.length > 1 ? `${Math.min(...p99s)}–${Math.max(...p99s)}` : '–';
};

/** The message counts of `runs` together: errors, deliveries, rows stored, and each kind of fault. */
const countCells = (runs: LiveRun[]) => {
  const sum = (pick: (run: LiveRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const misstored = sum((run) => run.misstored ?? 0);
  return [
    sum((run) => run.errors),
    `${sum((run) => run.delivered)}/${sum((run) => run.expected)}`,
    runs[0]?.stored === undefined
      ? '–'
      : `${sum((run) => run.stored ?? 0)}${misstored ? ` (${misstored} not once)` : ''}`,
    sum((run) => run.lost),
    sum((run) => run.duplicates),
    sum((run) => run.misdelivered),
  ];
};

/** Rates, latency, CPU and lag of one run. */
const runCells = (run: LiveRun) => [
  run.fired,
  run.delivering,
  run.latency.p50,
  run.latency.p95,
  run.latency.p99,
];
const loadCells = (run: LiveRun) => [run.cpuPerMessageMs ?? '–', `${run.lag.p99} / ${run.lag.max}`];

const stepRow = (label: string, step: Step) => [
  label,
  step.rate,
  step.runs.length,
  ...runCells(step.worst),
  spreadOf(step),
  ...loadCells(step.worst),
  ...countCells(step.runs),
  step.passed ? '✓' : '✗',
];

const COUNT_HEADER = ['errors', 'delivered', 'stored', 'lost', 'dup', 'stray'];
const STEP_HEADER = [
  'target',
  'offered/s',
  'runs',
  'fired/s',
  'delivered/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'p99 spread',
  'server CPU ms/msg',
  'lag p99 / max ms',
  ...COUNT_HEADER,
  'pass',
];

function liveTable(results: Results): string {
  return table(
    STEP_HEADER,
    SERIES.flatMap(([key, label]) => results.live[key].steps.map((step) => stepRow(label, step))),
  );
}

/** The chat's own workloads: each is confirmed by a long run; the references are not. */
const CONFIRMED: ReadonlyArray<LiveKey | 'group'> = ['http', 'socket', 'compat', 'twoInstances', 'group'];

const labelOf = (results: Results, key: LiveKey | 'group') =>
  key === 'group'
    ? `group of ${results.group.members} (messages/s)`
    : SERIES.find(([series]) => series === key)![1];
const sweepOf = (results: Results, key: LiveKey | 'group') =>
  key === 'group' ? results.group.sweep : results.live[key];

function confirmationTable(results: Results): string {
  const row = (label: string, { rate, run, maintenance, passed }: Confirmation) => [
    label,
    rate,
    Math.round(results.plan.confirmMs / 1000),
    ...runCells(run),
    run.latency.max,
    ...loadCells(run),
    ...countCells([run]),
    maintenance ? (maintenance.checkpoint ? 'yes' : 'no') : '–',
    maintenance ? `${maintenance.autovacuums} / ${maintenance.autoanalyzes}` : '–',
    passed ? '✓' : '✗',
  ];
  return table(
    [
      'target',
      'offered/s',
      'seconds',
      'fired/s',
      'delivered/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'server CPU ms/msg',
      'lag p99 / max ms',
      ...COUNT_HEADER,
      'checkpoint ended',
      'autovacuum / analyze',
      'pass',
    ],
    CONFIRMED.flatMap((key) =>
      sweepOf(results, key).confirmations.map((confirmation) => row(labelOf(results, key), confirmation)),
    ),
  );
}

function ratioTable(results: Results): string {
  const { socket, bareRelay, pgRelay, pgBatchRelay } = results.live;
  const at = (sweep: Sweep, rate: number) => sweep.steps.find((step) => step.rate === rate)?.worst;
  const ratio = (ours: number, theirs: number | undefined) => (theirs ? (ours / theirs).toFixed(2) : '–');
  const rows = socket.steps.map(({ rate, worst }) => [
    rate,
    ...[bareRelay, pgRelay, pgBatchRelay].flatMap((reference) => [
      ratio(worst.delivering, at(reference, rate)?.delivering),
      ratio(worst.latency.p99, at(reference, rate)?.latency.p99),
    ]),
  ]);
  return table(
    [
      'offered/s',
      'delivered/s ÷ bare',
      'p99 ÷ bare',
      'delivered/s ÷ INSERT',
      'p99 ÷ INSERT',
      'delivered/s ÷ group commit',
      'p99 ÷ group commit',
    ],
    rows,
  );
}

/** The headline rate, and the short steps' rate beside it when the long run did not hold that. */
const reached = (sweep: Sweep, scale = 1) =>
  `${sweep.bestRate * scale}/s${sweep.bestRate === sweep.sweptRate ? '' : ` (short steps: ${sweep.sweptRate * scale}/s)`}`;

const perSocket = (held: Held) =>
  `${(held.steadyRssGrowthKiB.median / held.sockets).toFixed(1)} / ${(held.rssGrowthKiB / held.sockets).toFixed(1)} KiB`;

function summaryTable(results: Results): string {
  const { http, socket, pgRelay, pgBatchRelay } = results.live;
  const durable = Math.max(pgRelay.bestRate, pgBatchRelay.bestRate);
  const at100 = socket.steps.find((step) => step.rate === 100)?.worst.latency.p50;
  const biggest = results.held.at(-1);
  const { result: history, conversations } = results.history;
  const held = `every repeat and ${Math.round(results.plan.confirmMs / 1000)} s`;
  return table(
    ['target (issue 13)', 'goal', 'reached'],
    [
      [`1:1 over the web client’s path (graphql-ws): rate at p99 ≤ 50 ms (${held})`, '≥ 2,500/s', reached(socket)],
      ['… ÷ best durable reference’s rate', '≥ 0.8', durable ? (socket.bestRate / durable).toFixed(2) : '–'],
      [`1:1 sent over HTTP (the web client while its socket is down): rate at p99 ≤ 50 ms (${held})`, '–', reached(http)],
      [
        'send → deliver p50 at 100/s (web client’s path, worst repeat)',
        '≤ 2.0 ms',
        at100 === undefined ? '–' : `${at100} ms`,
      ],
      [
        `group of ${results.group.members} (${results.group.connected} online): deliveries/s at p99 ≤ 100 ms (${held})`,
        '≥ 25,000/s',
        reached(results.group.sweep, results.group.connected - 1),
      ],
      [
        `memory per socket with one \`events\` (${biggest?.sockets ?? 0} held, RSS steady / after a forced GC)`,
        '≤ 16 KiB',
        biggest ? perSocket(biggest) : '–',
      ],
      [
        'history page p99 (newest / older, random conversations and positions)',
        '≤ 8 ms',
        `${history.newest.p99} / ${history.older.p99} ms`,
      ],
      ['`{ __typename }` p50 over HTTP', '≤ 0.5 ms', `${history.typename.p50} ms`],
      [
        `\`conversations\` p99 for a user with ${conversations} conversations`,
        '≤ 15 ms',
        `${history.conversations.p99} ms`,
      ],
    ],
  );
}

function groupTable(results: Results): string {
  return table(
    STEP_HEADER.map((cell) => (cell === 'offered/s' ? 'messages/s' : cell)),
    results.group.sweep.steps.map((step) => stepRow(`group of ${results.group.members}`, step)),
  );
}

function heldTable(results: Results): string {
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  return table(
    [
      'sockets',
      'connect all (ms)',
      'connect retries',
      'steady RSS growth (MiB)',
      'KiB/socket steady RSS (median / max)',
      'RSS growth after GC (MiB)',
      'KiB/socket after GC (RSS)',
      'KiB/socket after GC (heap)',
      'delivery p50 ms',
      'p99 ms',
      'lost',
      'dup',
      'stray',
    ],
    results.held.map((held) => [
      held.sockets,
      held.connectMs,
      held.retries,
      mib(held.steadyRssGrowthKiB.median),
      `${(held.steadyRssGrowthKiB.median / held.sockets).toFixed(1)} / ${(held.steadyRssGrowthKiB.max / held.sockets).toFixed(1)}`,
      mib(held.rssGrowthKiB),
      (held.rssGrowthKiB / held.sockets).toFixed(1),
      (held.heapGrowthKiB / held.sockets).toFixed(1),
      held.delivery.latency.p50,
      held.delivery.latency.p99,
      held.delivery.lost,
      held.delivery.duplicates,
      held.delivery.misdelivered,
    ]),
  );
}

const ms = (summary: LatencySummary) => [summary.p50, summary.p95, summary.p99, summary.max];

function historyTable(results: Results): string {
  const { result } = results.history;
  return table(
    ['request', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    [
      ['`{ __typename }`', result.typename.count, ...ms(result.typename)],
      ['newest 50 of a random conversation', result.newest.count, ...ms(result.newest)],
      ['50 before a random position', result.older.count, ...ms(result.older)],
      ['chat list, `conversations(first: 50)`', result.conversations.count, ...ms(result.conversations)],
    ],
  );
}

/** Every run whose messages went missing, arrived twice or astray, or were stored other than once. */
export function deliveryFailures(results: Results): string[] {
  const failures: string[] = [];
  const check = (label: string, run: LiveRun) =>
    failures.push(...faultsOf(run).map((fault) => `${label} at ${run.offered}/s: ${fault}`));
  const sweeps: Array<[string, Sweep]> = [
    ...SERIES.map(([key, label]) => [label, results.live[key]] as [string, Sweep]),
    ['group', results.group.sweep],
  ];
  for (const [label, sweep] of sweeps)
    for (const run of [
      sweep.warmUp,
      ...sweep.steps.flatMap((step) => step.runs),
      ...sweep.confirmations.map((confirmation) => confirmation.run),
    ])
      check(label, run);
  for (const held of results.held) check(`${held.sockets} sockets held`, held.delivery);
  return failures;
}

/** How the figures were made: the top of RESULTS.md. */
function method(results: Results): string {
  const { machine: host, plan } = results;
  return `The latest full run: \`${results.command}\` on ${host.date.slice(0, 10)}, ${host.cores} cores (${host.cpu}),
${host.memoryGiB} GiB, Node ${host.node}, Linux ${host.kernel}; the server, PostgreSQL, Redis, nginx
and the load generator all on that one machine.

How a rate passes: each rate runs ${plan.repeats} times for ${plan.durationMs / 1000} s, and passes only if its **worst**
repeat's p99 meets the goal (the repeat with the highest p99, not the median one: a repeat that
stalls fails the step), no run lost, duplicated, misdelivered or misstored a message, and every
lower rate passed too. Losses are counted message by message: each message has an identity, a
message the server accepted is lost if any of its intended recipients never received it, a
duplicate is a second receipt by the same recipient, a stray one a receipt by someone it was not for,
and each accepted message must be stored once. Each of the chat's own workloads (not the
references) is then run for ${plan.confirmMs / 1000} s at its highest passing rate, and at the next lower one
if that does not hold; the rate a long run holds is the one reported. Memory per socket is the
RSS growth over a warm baseline twice: as it stands (sampled every second for ${plan.steadyWindowMs / 1000} s once the
server's CPU has gone quiet, no collection forced) and after a forced full GC. Raw figures:
[results/full.json](results/full.json). What these figures mean beyond one machine:
[docs/scaling.md](../docs/scaling.md).`;
}

const KEPT_SECTION = '## A client that stops reading';

/** Prints the tables, writes `<mode>.json` and, for a full run, the chart and bench/RESULTS.md. */
export function report(results: Results, directory: string): string[] {
  const { conversations, messagesEach } = results.history;
  const sections = [
    `## Summary against the targets\n\n${summaryTable(results)}`,
    `## Confirmation: the highest passing rate of each of the chat's workloads, held for ${results.plan.confirmMs / 1000} s (from the top down until one holds; whether a PostgreSQL checkpoint ended and how many autovacuum and autoanalyze runs touched the bench's tables during it)\n\n${confirmationTable(results)}`,
    `## 1–3, 7. Live delivery, 1:1 (latency from each message's scheduled send time to its delivery; each row is the step's worst repeat, the one with the highest p99, with the spread of the repeats' p99s; lag is how late the generator fired; stray counts receipts by someone a message was not for)\n\n${liveTable(results)}`,
    `## 3. The web client's path against the references at the same offered rate (worst repeats)\n\n${ratioTable(results)}`,
    `## 4. A group of ${results.group.members}, ${results.group.connected} connected (delivered/s counts each member's copy; the sender's own is not counted)\n\n${groupTable(results)}`,
    `## 5. Sockets held by one instance, each with one \`events\` stream (growth over a warm baseline: steady, sampled every second for ${results.plan.steadyWindowMs / 1000} s once the server's CPU had gone quiet, no collection forced; and after a forced full GC)\n\n${heldTable(results)}`,
    `## 6. History: ${conversations.toLocaleString('en')} conversations of ${messagesEach} messages, pages picked at random\n\n${historyTable(results)}`,
  ];
  console.log(`\n${sections.join('\n\n')}\n`);
  writeFileSync(join(directory, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
  if (results.mode === 'full') {
    writeFileSync(join(directory, 'latency.svg'), chart(results));
    const file = join(directory, '../RESULTS.md');
    // Sections other benchmarks wrote (bench:slow-reader's) stay as they are.
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = previous.indexOf(`\n${KEPT_SECTION}`);
    writeFileSync(
      file,
      `# Benchmark results

${method(results)}

![p99 latency against offered rate](results/latency.svg)

${sections.join('\n\n')}
${kept === -1 ? '' : previous.slice(kept)}`,
    );
  }
  return deliveryFailures(results);
}
