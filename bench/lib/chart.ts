import { SERIES, type Results } from './results.ts';

/** Each step's worst-repeat p99 against offered rate, log–log, the spread of the repeats as a bar, the goal dashed. */
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
    const points = sweep.map((step) => `${x(step.rate).toFixed(1)},${y(step.worst.latency.p99).toFixed(1)}`);
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
<text transform="translate(16 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">scheduled send → delivery, worst repeat’s p99 (ms, log)</text>
${lines}
</svg>
`;
}
