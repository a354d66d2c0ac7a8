import { BenchUsageError, parseBenchOptions } from '../../../bench/pipeline/options';

describe('parseBenchOptions', () => {
  it('defaults to the full run on the memory transport, one process', () => {
    const o = parseBenchOptions([]);
    expect(o).toMatchObject({ transport: 'memory', mode: 'inproc', runtime: 'dist', quick: false, rates: [100, 250, 500, 1000, 2000], concurrency: [8, 32, 128, 256], merchants: 1000, database: 'paystream_bench' });
    expect(o.openMs).toBe(20_000);
    expect(o.callTimeoutMs).toBe(30_000);
    expect(o.ceilings).toBe(true);
  });

  it('quick mode: one rate, one concurrency, short phases', () => {
    const o = parseBenchOptions(['--quick']);
    expect(o.rates).toHaveLength(1);
    expect(o.concurrency).toHaveLength(1);
    expect(o.openMs).toBeLessThanOrEqual(5_000);
  });

  it('reads lists, seconds and flags', () => {
    const o = parseBenchOptions(['--transport', 'redis', '--mode', 'roles', '--rates', '100,300', '--duration', '2.5', '--no-ceilings', '--profile', '--partitions', '4']);
    expect(o).toMatchObject({ transport: 'redis', mode: 'roles', rates: [100, 300], openMs: 2500, ceilings: false, profile: true, partitions: 4 });
  });

  it('passes Node flags to the pipeline processes, none by default, and refuses anything but flags', () => {
    expect(parseBenchOptions([]).nodeFlags).toEqual([]);
    expect(parseBenchOptions(['--node-flags=--max-old-space-size=256  --max-semi-space-size=32']).nodeFlags).toEqual(['--max-old-space-size=256', '--max-semi-space-size=32']);
    expect(() => parseBenchOptions(['--node-flags=--inspect; rm -rf /'])).toThrow(/--node-flags: Node flags/);
    expect(() => parseBenchOptions(['--node-flags=max-old-space-size=256'])).toThrow(/--node-flags/);
  });

  it('names the bad option', () => {
    expect(() => parseBenchOptions(['--transport', 'pigeon'])).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--rates', '100,x'])).toThrow(/--rates/);
    expect(() => parseBenchOptions(['--database', 'drop;table'])).toThrow(/--database/);
    expect(() => parseBenchOptions(['--frobnicate'])).toThrow(BenchUsageError);
  });
});
