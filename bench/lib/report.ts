import { cpus, release, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryResult, HistoryResult, HoldResult, LiveRun } from './protocol.ts';
import type { LatencySummary } from './stats.ts';

export interface Sweep {
  /** Unmeasured for speed, but checked like the others for loss. */
  warmUp: LiveRun;
  runs: LiveRun[];
  /** The highest offered rate whose p99 met the goal with every message delivered once. */
  bestRate: number;
}

export interface Results {
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machine>;
  command: string;
  plan: object;
  p99GoalMs: number;
  live: { graphql: Sweep; compat: Sweep; bareRelay: Sweep; pgRelay: Sweep; twoInstances: Sweep };
  connections: Array<HoldResult & { rssGrowthKiB: number; delivery: DeliveryResult }>;
  history: HistoryResult & { storedMessages: number };
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

const SERIES = [
  ['graphql', 'GraphQL (graphql-ws)', '#6d28d9'],
  ['compat', 'compat WebSocket', '#db2777'],
  ['twoInstances', 'GraphQL, two instances', '#0891b2'],
  ['pgRelay', 'reference: ws + pg INSERT', '#65a30d'],
  ['bareRelay', 'reference: bare ws relay', '#78716c'],
] as const;

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

const ms = (summary: LatencySummary) => [summary.p50, summary.p95, summary.p99, summary.max];

function liveTable(results: Results): string {
  const rows = SERIES.flatMap(([key, label]) =>
    results.live[key].runs.map((run) => [
      label,
      run.offered,
      run.fired,
      run.delivering,
      ...ms(run.latency),
      run.errors,
      `${run.delivered}/${run.accepted}`,
      run.stored ?? '–',
      run.duplicates,
    ]),
  );
  return table(
    [
      'target',
      'offered/s',
      'fired/s',
      'delivered/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'errors',
      'delivered',
      'stored',
      'dup',
    ],
    rows,
  );
}

function ratioTable(results: Results): string {
  const { graphql, bareRelay, pgRelay } = results.live;
  const at = (sweep: Sweep, rate: number) => sweep.runs.find((run) => run.offered === rate);
  const rows = graphql.runs.map((run) => {
    const bare = at(bareRelay, run.offered);
    const pg = at(pgRelay, run.offered);
    const ratio = (ours: number, theirs: number | undefined) => (theirs ? (ours / theirs).toFixed(2) : '–');
    return [
      run.offered,
      ratio(run.delivering, bare?.delivering),
      ratio(run.latency.p99, bare?.latency.p99),
      ratio(run.delivering, pg?.delivering),
      ratio(run.latency.p99, pg?.latency.p99),
    ];
  });
  return table(['offered/s', 'delivered/s ÷ bare', 'p99 ÷ bare', 'delivered/s ÷ pg', 'p99 ÷ pg'], rows);
}

function summaryTable(results: Results): string {
  const { graphql, compat, bareRelay, pgRelay, twoInstances } = results.live;
  const biggest = results.connections.at(-1);
  const kib = biggest ? biggest.rssGrowthKiB / biggest.subscriptions : Number.NaN;
  return table(
    ['target', 'goal', 'reached'],
    [
      ['1. GraphQL rate at p99 ≤ 50 ms', '≥ 5,000/s', `${graphql.bestRate}/s`],
      ['2. compat rate at p99 ≤ 50 ms', '–', `${compat.bestRate}/s`],
      [
        '3. GraphQL ÷ bare relay (rate at p99 ≤ 50 ms)',
        '≥ 0.5',
        (graphql.bestRate / bareRelay.bestRate).toFixed(2),
      ],
      ['3. GraphQL ÷ pg relay (rate at p99 ≤ 50 ms)', '–', (graphql.bestRate / pgRelay.bestRate).toFixed(2)],
      [
        `4. memory per subscription (${biggest?.subscriptions ?? 0} held)`,
        '≤ 30 KiB',
        `${kib.toFixed(1)} KiB`,
      ],
      [
        '5. history page p99 (newest / older)',
        '≤ 10 ms',
        `${results.history.newest.p99} / ${results.history.older.p99} ms`,
      ],
      ['6. two instances: rate at p99 ≤ 50 ms', '–', `${twoInstances.bestRate}/s`],
    ],
  );
}

function connectionsTable(results: Results): string {
  return table(
    [
      'subscriptions',
      'sockets',
      'connect all (ms)',
      'RSS growth (MiB)',
      'KiB/subscription',
      'KiB/socket',
      'delivery p50 ms',
      'p99 ms',
      'lost',
    ],
    results.connections.map((held) => [
      held.subscriptions,
      held.sockets,
      held.connectMs,
      (held.rssGrowthKiB / 1024).toFixed(1),
      (held.rssGrowthKiB / held.subscriptions).toFixed(1),
      (held.rssGrowthKiB / held.sockets).toFixed(1),
      held.delivery.p50,
      held.delivery.p99,
      held.delivery.lost,
    ]),
  );
}

function historyTable(results: Results): string {
  const { history } = results;
  return table(
    ['page', 'pages', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    [
      ['newest 50 (`last: 50`)', history.newest.count, ...ms(history.newest)],
      ['older 50 (`before:` cursor)', history.older.count, ...ms(history.older)],
    ],
  );
}

/** p99 against offered rate, log–log, every target on the same axes, the goal as a dashed line. */
export function chart(results: Results): string {
  const [width, height, left, bottom, top, right] = [760, 420, 60, 50, 20, 220];
  const runs = SERIES.flatMap(([key]) => results.live[key].runs);
  const xMax = Math.max(...runs.map((run) => run.offered));
  const xMin = Math.min(...runs.map((run) => run.offered));
  const yMax = Math.max(100, ...runs.map((run) => run.latency.p99));
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
    const points = results.live[key].runs.map(
      (run) => `${x(run.offered).toFixed(1)},${y(run.latency.p99).toFixed(1)}`,
    );
    const legendY = top + 20 * index + 10;
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>` +
      points
        .map(
          (point) =>
            `<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="3" fill="${color}"/>`,
        )
        .join('') +
      `<rect x="${width - right + 15}" y="${legendY - 8}" width="12" height="3" fill="${color}"/><text x="${width - right + 32}" y="${legendY}">${label}</text>`
    );
  }).join('');
  const rates = [250, 500, 1000, 2000, 5000, 10000, 20000].filter((rate) => rate >= xMin && rate <= xMax);
  const latencies = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].filter(
    (latency) => latency <= yMax,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${ticks(latencies, 'y')}${ticks(rates, 'x')}
<line x1="${left}" x2="${width - right}" y1="${y(results.p99GoalMs)}" y2="${y(results.p99GoalMs)}" stroke="#dc2626" stroke-dasharray="4 3"/>
<text x="${width - right - 4}" y="${y(results.p99GoalMs) - 4}" text-anchor="end" fill="#dc2626">p99 goal ${results.p99GoalMs} ms</text>
<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#333"/><line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#333"/>
<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">offered rate (messages/s, log)</text>
<text transform="translate(16 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">send → delivery p99 (ms, log)</text>
${lines}
</svg>
`;
}

/** Every message that went missing, arrived twice or was stored a different number of times than accepted. */
export function deliveryFailures(results: Results): string[] {
  const failures: string[] = [];
  for (const [key, label] of SERIES) {
    const { warmUp, runs } = results.live[key];
    for (const run of [warmUp, ...runs]) {
      if (run.lost > 0) failures.push(`${label} at ${run.offered}/s: ${run.lost} lost`);
      if (run.duplicates > 0)
        failures.push(`${label} at ${run.offered}/s: ${run.duplicates} delivered twice`);
      if (run.stored !== undefined && run.stored !== run.accepted)
        failures.push(`${label} at ${run.offered}/s: ${run.accepted} accepted but ${run.stored} stored`);
    }
  }
  for (const held of results.connections) {
    if (held.delivery.lost > 0) failures.push(`${held.subscriptions} held: ${held.delivery.lost} lost`);
    if (held.delivery.duplicates > 0)
      failures.push(`${held.subscriptions} held: ${held.delivery.duplicates} twice`);
  }
  return failures;
}

/** Prints the tables, writes `<mode>.json` and, for a full run, the chart and bench/RESULTS.md. */
export function report(results: Results, directory: string): string[] {
  const sections = [
    `## Summary against the targets\n\n${summaryTable(results)}`,
    `## 1–3, 6. Live delivery (send → delivery, at the receiver)\n\n${liveTable(results)}`,
    `## 3. GraphQL against the references at the same offered rate\n\n${ratioTable(results)}`,
    `## 4. Idle subscriptions held by one instance\n\n${connectionsTable(results)}`,
    `## 5. History, ${results.history.storedMessages.toLocaleString('en')} stored messages\n\n${historyTable(results)}`,
  ];
  console.log(`\n${sections.join('\n\n')}\n`);
  writeFileSync(join(directory, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
  if (results.mode === 'full') {
    writeFileSync(join(directory, 'latency.svg'), chart(results));
    const { machine: host } = results;
    writeFileSync(
      join(directory, '../RESULTS.md'),
      `# Benchmark results

The latest full run: \`${results.command}\` on ${host.date.slice(0, 10)}, ${host.cores} cores (${host.cpu}),
${host.memoryGiB} GiB, Node ${host.node}, Linux ${host.kernel}; the server, PostgreSQL, Redis, nginx
and the load generator all on that one machine. Raw figures: [results/full.json](results/full.json).

![p99 latency against offered rate](results/latency.svg)

${sections.join('\n\n')}
`,
    );
  }
  return deliveryFailures(results);
}
