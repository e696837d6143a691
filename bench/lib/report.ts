import { cpus, release, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryResult, LiveRun } from './protocol.ts';
import type { LatencySummary } from './stats.ts';

/** One offered rate, run `runs.length` times; `median` is the run with the median p99. */
export interface Step {
  rate: number;
  runs: LiveRun[];
  median: LiveRun;
  passed: boolean;
}

export interface Sweep {
  /** Unmeasured for speed, but checked like the others for loss. */
  warmUp: LiveRun;
  steps: Step[];
  goalMs: number;
  /** The highest offered rate that passed with every lower step passing too. */
  bestRate: number;
}

export interface Held {
  sockets: number;
  connectMs: number;
  retries: number;
  rssGrowthKiB: number;
  heapGrowthKiB: number;
  delivery: LiveRun;
}

type LiveKey = 'http' | 'socket' | 'compat' | 'bareRelay' | 'pgRelay' | 'pgBatchRelay' | 'twoInstances';

export interface Results {
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machine>;
  command: string;
  plan: object;
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

const SERIES: ReadonlyArray<readonly [LiveKey, string, string]> = [
  ['http', 'GraphQL, sent over HTTP (web client)', '#6d28d9'],
  ['socket', 'GraphQL, sent over graphql-ws', '#a78bfa'],
  ['compat', 'compat WebSocket', '#db2777'],
  ['twoInstances', 'GraphQL over HTTP, two instances', '#0891b2'],
  ['pgBatchRelay', 'reference: ws + group commit', '#15803d'],
  ['pgRelay', 'reference: ws + one INSERT', '#84cc16'],
  ['bareRelay', 'reference: bare ws relay', '#78716c'],
];

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

const stepRow = (label: string, step: Step) => {
  const { median } = step;
  const sum = (pick: (run: LiveRun) => number) => step.runs.reduce((total, run) => total + pick(run), 0);
  return [
    label,
    step.rate,
    step.runs.length,
    median.fired,
    median.delivering,
    median.latency.p50,
    median.latency.p95,
    median.latency.p99,
    spreadOf(step),
    median.cpuPerMessageMs ?? '–',
    `${median.lag.p99} / ${median.lag.max}`,
    sum((run) => run.errors),
    `${sum((run) => run.delivered)}/${sum((run) => run.accepted * run.fanout)}`,
    median.stored === undefined ? '–' : sum((run) => run.stored ?? 0),
    sum((run) => run.duplicates),
    step.passed ? '✓' : '✗',
  ];
};

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
  'errors',
  'delivered',
  'stored',
  'dup',
  'pass',
];

function liveTable(results: Results): string {
  return table(
    STEP_HEADER,
    SERIES.flatMap(([key, label]) => results.live[key].steps.map((step) => stepRow(label, step))),
  );
}

function ratioTable(results: Results): string {
  const { http, bareRelay, pgRelay, pgBatchRelay } = results.live;
  const at = (sweep: Sweep, rate: number) => sweep.steps.find((step) => step.rate === rate)?.median;
  const ratio = (ours: number, theirs: number | undefined) => (theirs ? (ours / theirs).toFixed(2) : '–');
  const rows = http.steps.map(({ rate, median }) => [
    rate,
    ...[bareRelay, pgRelay, pgBatchRelay].flatMap((reference) => [
      ratio(median.delivering, at(reference, rate)?.delivering),
      ratio(median.latency.p99, at(reference, rate)?.latency.p99),
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

const groupDeliveries = (results: Results) => results.group.sweep.bestRate * (results.group.connected - 1);

function summaryTable(results: Results): string {
  const { http, socket, pgRelay, pgBatchRelay } = results.live;
  const durable = Math.max(pgRelay.bestRate, pgBatchRelay.bestRate);
  const at100 = http.steps.find((step) => step.rate === 100)?.median.latency.p50;
  const biggest = results.held.at(-1);
  const { result: history, conversations } = results.history;
  return table(
    ['target (issue 13)', 'goal', 'reached'],
    [
      ['1:1 over the web client’s path: rate at p99 ≤ 50 ms', '≥ 2,200/s', `${http.bestRate}/s`],
      ['… ÷ best durable reference’s rate', '≥ 0.8', durable ? (http.bestRate / durable).toFixed(2) : '–'],
      ['1:1 sent over graphql-ws: rate at p99 ≤ 50 ms', '–', `${socket.bestRate}/s`],
      [
        'send → deliver p50 at 100/s (web client’s path)',
        '≤ 1.5 ms',
        at100 === undefined ? '–' : `${at100} ms`,
      ],
      [
        `group of ${results.group.members} (${results.group.connected} online): deliveries/s at p99 ≤ 100 ms`,
        '≥ 25,000/s',
        `${groupDeliveries(results)}/s`,
      ],
      [
        `memory per socket with one \`events\` (${biggest?.sockets ?? 0} held, RSS after GC)`,
        '≤ 16 KiB',
        biggest ? `${(biggest.rssGrowthKiB / biggest.sockets).toFixed(1)} KiB` : '–',
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
  return table(
    [
      'sockets',
      'connect all (ms)',
      'connect retries',
      'RSS growth (MiB)',
      'KiB/socket (RSS)',
      'KiB/socket (heap)',
      'delivery p50 ms',
      'p99 ms',
      'lost',
      'dup',
    ],
    results.held.map((held) => [
      held.sockets,
      held.connectMs,
      held.retries,
      (held.rssGrowthKiB / 1024).toFixed(1),
      (held.rssGrowthKiB / held.sockets).toFixed(1),
      (held.heapGrowthKiB / held.sockets).toFixed(1),
      held.delivery.latency.p50,
      held.delivery.latency.p99,
      held.delivery.lost,
      held.delivery.duplicates,
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

/** Median p99 against offered rate, log–log, the spread of the repeats as a bar, the goal dashed. */
export function chart(results: Results): string {
  const [width, height, left, bottom, top, right] = [800, 440, 60, 50, 20, 250];
  const steps = SERIES.flatMap(([key]) => results.live[key].steps);
  const xMax = Math.max(...steps.map((step) => step.rate));
  const xMin = Math.min(...steps.map((step) => step.rate));
  const yMax = Math.max(100, ...steps.flatMap((step) => step.runs.map((run) => run.latency.p99)));
  const x = (rate: number) =>
    left +
    ((Math.log10(rate) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) *
      (width - left - right);
  const y = (latency: number) =>
    height -
    bottom -
    (Math.log10(Math.max(latency, 0.5) / 0.5) / Math.log10(yMax / 0.5)) * (height - bottom - top);
  const ticks = (values: number[], axis: 'x' | 'y') =>
    values
      .map((value) =>
        axis === 'x'
          ? `<text x="${x(value)}" y="${height - bottom + 18}" text-anchor="middle">${value}</text>`
          : `<text x="${left - 8}" y="${y(value) + 4}" text-anchor="end">${value}</text><line x1="${left}" x2="${width - right}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/>`,
      )
      .join('');
  const lines = SERIES.map(([key, label, color], index) => {
    const sweep = results.live[key].steps;
    const points = sweep.map((step) => `${x(step.rate).toFixed(1)},${y(step.median.latency.p99).toFixed(1)}`);
    const bars = sweep
      .map((step) => {
        const p99s = step.runs.map((run) => run.latency.p99);
        return `<line x1="${x(step.rate).toFixed(1)}" x2="${x(step.rate).toFixed(1)}" y1="${y(Math.min(...p99s)).toFixed(1)}" y2="${y(Math.max(...p99s)).toFixed(1)}" stroke="${color}"/>`;
      })
      .join('');
    const legendY = top + 20 * index + 10;
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>${bars}` +
      points
        .map(
          (point) =>
            `<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="3" fill="${color}"/>`,
        )
        .join('') +
      `<rect x="${width - right + 15}" y="${legendY - 8}" width="12" height="3" fill="${color}"/><text x="${width - right + 32}" y="${legendY}">${label}</text>`
    );
  }).join('');
  const rates = [100, 250, 500, 1000, 2000, 5000, 10000, 20000].filter(
    (rate) => rate >= xMin && rate <= xMax,
  );
  const latencies = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].filter(
    (latency) => latency <= yMax,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${ticks(latencies, 'y')}${ticks(rates, 'x')}
<line x1="${left}" x2="${width - right}" y1="${y(results.live.http.goalMs)}" y2="${y(results.live.http.goalMs)}" stroke="#dc2626" stroke-dasharray="4 3"/>
<text x="${width - right - 4}" y="${y(results.live.http.goalMs) - 4}" text-anchor="end" fill="#dc2626">p99 goal ${results.live.http.goalMs} ms</text>
<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#333"/><line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#333"/>
<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">offered rate (messages/s, log)</text>
<text transform="translate(16 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">scheduled send → delivery, median p99 (ms, log)</text>
${lines}
</svg>
`;
}

/** Every message that went missing, arrived twice or was stored a different number of times than accepted. */
export function deliveryFailures(results: Results): string[] {
  const failures: string[] = [];
  const check = (label: string, run: LiveRun) => {
    if (run.lost > 0) failures.push(`${label} at ${run.offered}/s: ${run.lost} deliveries lost`);
    if (run.duplicates > 0) failures.push(`${label} at ${run.offered}/s: ${run.duplicates} delivered twice`);
    if (run.stored !== undefined && run.stored !== run.accepted)
      failures.push(`${label} at ${run.offered}/s: ${run.accepted} accepted but ${run.stored} stored`);
  };
  const sweeps: Array<[string, Sweep]> = [
    ...SERIES.map(([key, label]) => [label, results.live[key]] as [string, Sweep]),
    ['group', results.group.sweep],
  ];
  for (const [label, sweep] of sweeps)
    for (const run of [sweep.warmUp, ...sweep.steps.flatMap((step) => step.runs)]) check(label, run);
  for (const held of results.held) check(`${held.sockets} sockets held`, held.delivery);
  return failures;
}

const KEPT_SECTION = '## A client that stops reading';

/** Prints the tables, writes `<mode>.json` and, for a full run, the chart and bench/RESULTS.md. */
export function report(results: Results, directory: string): string[] {
  const { conversations, messagesEach } = results.history;
  const sections = [
    `## Summary against the targets\n\n${summaryTable(results)}`,
    `## 1–3, 7. Live delivery, 1:1 (latency from each message's scheduled send time to its delivery; median of the repeats, p99 spread min–max; lag is how late the generator fired)\n\n${liveTable(results)}`,
    `## 3. The web client's path against the references at the same offered rate\n\n${ratioTable(results)}`,
    `## 4. A group of ${results.group.members}, ${results.group.connected} connected (delivered/s counts each member's copy; the sender's own is not counted)\n\n${groupTable(results)}`,
    `## 5. Sockets held by one instance, each with one \`events\` stream (growth over a warm baseline, after a forced full GC)\n\n${heldTable(results)}`,
    `## 6. History: ${conversations.toLocaleString('en')} conversations of ${messagesEach} messages, pages picked at random\n\n${historyTable(results)}`,
  ];
  console.log(`\n${sections.join('\n\n')}\n`);
  writeFileSync(join(directory, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
  if (results.mode === 'full') {
    writeFileSync(join(directory, 'latency.svg'), chart(results));
    const { machine: host } = results;
    const file = join(directory, '../RESULTS.md');
    // Sections other benchmarks wrote (bench:slow-reader's) stay as they are.
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = previous.indexOf(`\n${KEPT_SECTION}`);
    writeFileSync(
      file,
      `# Benchmark results

The latest full run: \`${results.command}\` on ${host.date.slice(0, 10)}, ${host.cores} cores (${host.cpu}),
${host.memoryGiB} GiB, Node ${host.node}, Linux ${host.kernel}; the server, PostgreSQL, Redis, nginx
and the load generator all on that one machine. Each rate runs ${results.live.http.steps[0]?.runs.length ?? 0} times; a rate
passes only if its median p99 meets the goal, no run lost, duplicated or misstored a message, and every
lower rate passed too. Raw figures: [results/full.json](results/full.json). What these figures mean
beyond one machine: [docs/scaling.md](../docs/scaling.md).

![p99 latency against offered rate](results/latency.svg)

${sections.join('\n\n')}
${kept === -1 ? '' : previous.slice(kept)}`,
    );
  }
  return deliveryFailures(results);
}
