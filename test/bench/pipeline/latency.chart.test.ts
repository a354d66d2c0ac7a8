import { decadeTicks, escapeXml, linearTicks, renderLatencyChart } from '../../../bench/pipeline/latency.chart';

describe('renderLatencyChart', () => {
  const svg = renderLatencyChart(
    [
      {
        label: 'paystream <memory> & co',
        points: [
          { x: 1000, p50: 4, p95: 9, p99: 20 },
          { x: 250, p50: 2, p95: 5, p99: 8 },
        ],
      },
      { label: 'gRPC echo ceiling', points: [{ x: 250, p50: 0.5, p95: 1, p99: Number.NaN }] },
    ],
    { title: 'latency vs load', subtitle: '2 × CPU' },
  );

  it('is one SVG document with a title and escaped labels', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(svg).toContain('latency vs load');
    expect(svg).toContain('paystream &lt;memory&gt; &amp; co');
    expect(svg).not.toContain('<memory>');
  });

  it('draws one line per series and percentile that has values, skipping NaN', () => {
    const lines = [...svg.matchAll(/<polyline class="series" data-series="([^"]*)" data-percentile="(p\d+)"[^>]*points="([^"]*)"/g)];
    expect(lines.map((m) => `${m[1]}/${m[2]}`)).toEqual([
      'paystream &lt;memory&gt; &amp; co/p50',
      'paystream &lt;memory&gt; &amp; co/p95',
      'paystream &lt;memory&gt; &amp; co/p99',
      'gRPC echo ceiling/p50',
      'gRPC echo ceiling/p95',
    ]);
    // Points sorted by load: x grows along the first line.
    const xs = (lines[0]?.[3] ?? '').split(' ').map((p) => Number(p.split(',')[0]));
    expect(xs).toHaveLength(2);
    expect((xs[0] ?? 0) < (xs[1] ?? 0)).toBe(true);
  });

  it('puts higher latency higher on the chart (smaller y)', () => {
    const p99 = /data-percentile="p99"[^>]*points="([^"]*)"/.exec(svg)?.[1] ?? '';
    const p50 = /data-percentile="p50"[^>]*points="([^"]*)"/.exec(svg)?.[1] ?? '';
    const y = (points: string): number => Number(points.split(' ')[0]?.split(',')[1]);
    expect(y(p99)).toBeLessThan(y(p50));
  });

  it('renders an empty chart without failing', () => {
    expect(renderLatencyChart([], { title: 'nothing' })).toContain('</svg>');
  });
});

describe('axis ticks', () => {
  it('linear ticks are round steps from 0 past the maximum', () => {
    expect(linearTicks(2000)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(linearTicks(2100)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(linearTicks(0)).toEqual([0, 1]);
  });

  it('decade ticks cover the range', () => {
    expect(decadeTicks(0.5, 20)).toEqual([0.1, 1, 10, 100]);
    expect(decadeTicks(3, 3)).toEqual([1, 10]);
  });

  it('escapes XML', () => {
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
