import { categoryOf, formatProfileSummary, summarizeCpuProfile } from '../../../bench/pipeline/cpu-profile.summary';

const ROOT = '/repo';

/** (root) → handle (project) → query (mysql2) → writeBuffer (native); (root) → (idle); (root) → (garbage collector). */
function profile() {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, scriptId: '0', url, lineNumber, columnNumber: 0 });
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
      { id: 2, callFrame: frame('handle', 'file:///repo/dist/processors/ledger/ledger.processor.js', 9), children: [3] },
      { id: 3, callFrame: frame('query', 'file:///repo/node_modules/mysql2/lib/promise/connection.js', 30), children: [4] },
      { id: 4, callFrame: frame('writeBuffer') },
      { id: 5, callFrame: frame('(idle)') },
      { id: 6, callFrame: frame('(garbage collector)') },
    ],
    startTime: 0,
    endTime: 10_000,
    // Each sample stands for the next delta (the last for none): writeBuffer 3 ms, handle 1, query 1, gc 1, idle 3.
    samples: [4, 4, 4, 2, 3, 6, 5, 5, 5, 5],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
}

describe('summarizeCpuProfile', () => {
  const summary = summarizeCpuProfile(profile(), { root: ROOT, top: 10 });

  it('splits busy from idle time and finds the GC share', () => {
    expect(summary.wallMs).toBe(10);
    expect(summary.idleMs).toBe(3);
    expect(summary.busyMs).toBe(6);
    expect(summary.gcMs).toBe(1);
  });

  it('ranks self time, with inclusive time and callers', () => {
    const [first, second] = summary.top;
    expect(first).toMatchObject({ functionName: 'writeBuffer', location: '', category: '(native)', selfMs: 3, selfPct: 50, totalPct: 50 });
    expect(first?.callers).toEqual([{ functionName: 'query', location: 'node_modules/mysql2/lib/promise/connection.js:31', pct: 50 }]);
    expect(first?.paths[0]?.frames).toEqual(['writeBuffer', 'query (node_modules/mysql2/lib/promise/connection.js:31)', 'handle (processors/ledger/ledger.processor.js:10)']);
    const handle = summary.top.find((f) => f.functionName === 'handle');
    expect(handle).toMatchObject({ selfMs: 1, totalMs: 5, totalPct: 83.3, location: 'processors/ledger/ledger.processor.js:10', category: 'processors/ledger' });
    expect(second?.selfMs).toBe(1);
  });

  it('sums self time per package and folder', () => {
    expect(summary.categories).toEqual([
      { category: '(native)', selfMs: 3, selfPct: 50 },
      { category: 'processors/ledger', selfMs: 1, selfPct: 16.7 },
      { category: 'mysql2', selfMs: 1, selfPct: 16.7 },
      { category: '(gc)', selfMs: 1, selfPct: 16.7 },
    ]);
  });

  it('charges library and native time to the project module that caused it', () => {
    expect(summary.owners).toEqual([{ category: 'processors/ledger', selfMs: 5, selfPct: 83.3 }]);
  });

  it('formats as text', () => {
    const text = formatProfileSummary('all', summary);
    expect(text).toContain('writeBuffer');
    expect(text).toContain('mysql2');
  });

  it('rejects something that is not a profile', () => {
    expect(() => summarizeCpuProfile({ nodes: 'x' }, { root: ROOT })).toThrow();
  });
});

describe('categoryOf', () => {
  it('names packages, scoped packages, Node internals and project folders', () => {
    expect(categoryOf('file:///repo/node_modules/@grpc/grpc-js/build/src/server.js', 'f', ROOT)).toBe('@grpc/grpc-js');
    expect(categoryOf('file:///repo/node_modules/a/node_modules/pino/lib/x.js', 'f', ROOT)).toBe('pino');
    expect(categoryOf('node:internal/http2/core', 'f', ROOT)).toBe('node:http2');
    expect(categoryOf('node:events', 'f', ROOT)).toBe('node:events');
    expect(categoryOf('file:///repo/gateway/orders/order.store.ts', 'f', ROOT)).toBe('gateway/orders');
    expect(categoryOf('file:///repo/schemas/envelope.ts', 'f', ROOT)).toBe('schemas');
    expect(categoryOf('', '(garbage collector)', ROOT)).toBe('(gc)');
  });
});
