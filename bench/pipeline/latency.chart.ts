/**
 * A hand-written SVG line chart of latency percentiles (p50, p95, p99) against offered load: one
 * colour per percentile, one dash pattern per series (pipeline, echo ceiling, hot merchant…), a
 * logarithmic latency axis (overload turns milliseconds into seconds).
 */

export interface ChartPoint {
  /** Offered load, orders per second. */
  x: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface ChartSeries {
  label: string;
  points: readonly ChartPoint[];
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
}

const PERCENTILES = [
  { key: 'p50', colour: '#2b8a3e' },
  { key: 'p95', colour: '#e67700' },
  { key: 'p99', colour: '#c92a2a' },
] as const;
const DASHES = ['', '6 4', '2 3', '10 3 2 3'];
const MARGIN = { left: 64, right: 200, top: 48, bottom: 48 };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round numbers for an axis from 0 to at least `max`: 1, 2 or 5 times a power of ten apart. */
export function linearTicks(max: number, target = 6): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push((ticks[ticks.length - 1] ?? 0) + step);
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0). */
export function decadeTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-3))));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  return `${ms} ms`;
}

export function renderLatencyChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 820;
  const height = options.height ?? 460;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.p50, p.p95, p.p99])).filter((v) => Number.isFinite(v) && v > 0);
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((v) => Number.isFinite(v));
  const xTicks = linearTicks(Math.max(1, ...xs));
  const xMax = xTicks[xTicks.length - 1] ?? 1;
  const yTicks = decadeTicks(values.length === 0 ? 1 : Math.min(...values), values.length === 0 ? 10 : Math.max(...values));
  const yMin = yTicks[0] ?? 1;
  const yMax = yTicks[yTicks.length - 1] ?? 10;
  const sx = (x: number): number => MARGIN.left + (x / xMax) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const f = (n: number): string => n.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN.left}" y="20" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  if (options.subtitle !== undefined) out.push(`<text x="${MARGIN.left}" y="36" fill="#555">${escapeXml(options.subtitle)}</text>`);
  // Grid and axes.
  for (const t of xTicks) {
    out.push(`<line x1="${f(sx(t))}" y1="${MARGIN.top}" x2="${f(sx(t))}" y2="${MARGIN.top + plotH}" stroke="#e9ecef"/>`);
    out.push(`<text x="${f(sx(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${t.toLocaleString('en-US')}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left}" y1="${f(sy(t))}" x2="${MARGIN.left + plotW}" y2="${f(sy(t))}" stroke="#e9ecef"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${escapeXml(formatMs(t))}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#868e96"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">offered load (orders/s)</text>`);
  out.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">latency, submit to final answer (log scale)</text>`);

  // Lines: colour = percentile, dash = series.
  const legend: string[] = [];
  series.forEach((s, si) => {
    const dash = DASHES[si % DASHES.length] ?? '';
    const points = [...s.points].sort((a, b) => a.x - b.x);
    for (const { key, colour } of PERCENTILES) {
      const drawn = points.filter((p) => Number.isFinite(p[key]) && p[key] > 0);
      if (drawn.length === 0) continue;
      const dashAttr = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
      out.push(`<polyline class="series" data-series="${escapeXml(s.label)}" data-percentile="${key}" fill="none" stroke="${colour}" stroke-width="2"${dashAttr} points="${drawn.map((p) => `${f(sx(p.x))},${f(sy(p[key]))}`).join(' ')}"/>`);
      for (const p of drawn) {
        out.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p[key]))}" r="3" fill="${colour}"><title>${escapeXml(`${s.label} ${key} at ${p.x}/s: ${p[key].toFixed(1)} ms`)}</title></circle>`);
      }
    }
    legend.push(`<line x1="0" y1="${si * 18}" x2="28" y2="${si * 18}" stroke="#343a40" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/><text x="34" y="${si * 18 + 4}">${escapeXml(s.label)}</text>`);
  });
  const legendX = MARGIN.left + plotW + 16;
  out.push(`<g transform="translate(${legendX} ${MARGIN.top + 8})">`);
  PERCENTILES.forEach(({ key, colour }, i) => out.push(`<rect x="0" y="${i * 18 - 5}" width="28" height="10" fill="${colour}"/><text x="34" y="${i * 18 + 4}">${key}</text>`));
  out.push(`<g transform="translate(0 ${PERCENTILES.length * 18 + 12})">${legend.join('')}</g>`);
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
