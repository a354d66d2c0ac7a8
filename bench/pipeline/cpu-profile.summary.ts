/**
 * Summary of a V8 `.cpuprofile` (what `node --cpu-prof` writes): the functions with the most self
 * time, their inclusive time, and self time per package or project folder. Percentages are of busy
 * time (everything but `(idle)`), i.e. of the CPU the process actually used.
 */
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number(), columnNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface FunctionCost {
  functionName: string;
  /** `path:line` (project-relative when under `root`). */
  location: string;
  category: string;
  selfMs: number;
  selfPct: number;
  /** Time with this function anywhere on the stack (recursion counted once). */
  totalMs: number;
  totalPct: number;
  /** Where the self time came from: the direct callers with the most of it. */
  callers: { functionName: string; location: string; pct: number }[];
  /** The heaviest call paths into it (the function, then up to 6 callers outside Node's internals), for the first few functions. */
  paths: { frames: string[]; pct: number }[];
}

export interface CategoryCost {
  category: string;
  selfMs: number;
  selfPct: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  top: FunctionCost[];
  categories: CategoryCost[];
  /**
   * Busy time by the part of the project that caused it: each sample goes to the nearest caller in a
   * project folder other than the shared plumbing (storage, schemas, streams, money), so a socket
   * write under mysql2 under the ledger's store counts for `processors/ledger`.
   */
  owners: CategoryCost[];
}

/** Project folders that serve every module: their cost is charged to whoever called them. */
const SHARED_FOLDERS = ['storage', 'schemas', 'streams', 'money'];

/** Top-level folders of this repository: a category starting with one is project code. */
const PROJECT_FOLDERS = /^(app|bench|cli|config|gateway|integrations|processors|schemas|storage|streams|money|test)(\/|$)/;

function isProjectCategory(category: string): boolean {
  return PROJECT_FOLDERS.test(category);
}

export function categoryOf(url: string, functionName: string, root: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program)';
    if (functionName === '(root)') return '(root)';
    return '(native)';
  }
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + '/node_modules/'.length).split('/');
    return (parts[0] ?? '').startsWith('@') ? `${parts[0] ?? ''}/${parts[1] ?? ''}` : (parts[0] ?? '?');
  }
  if (path.startsWith('node:')) {
    const internal = /^node:internal\/(?:deps\/)?([^/]+)/.exec(path);
    return `node:${internal?.[1]?.replace(/\.js$/, '') ?? path.slice(5)}`;
  }
  const relative = relativeTo(path, root);
  const parts = relative.split('/');
  return parts.length > 2 ? `${parts[0] ?? ''}/${parts[1] ?? ''}` : (parts[0] ?? relative);
}

/** The path under `root`, with compiled code (`dist/…`) named by its source folder. */
function relativeTo(path: string, root: string): string {
  const base = root.endsWith('/') ? root : `${root}/`;
  const relative = path.startsWith(base) ? path.slice(base.length) : path;
  return relative.startsWith('dist/') ? relative.slice('dist/'.length) : relative;
}

export function summarizeCpuProfile(raw: unknown, options: { root: string; top?: number }): ProfileSummary {
  const profile = profileSchema.parse(raw);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const keyOf = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    return frame === undefined ? '?' : `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const owners = new Map<string, number>();
  const ownerOf = (id: number): string => {
    let shared: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) continue;
      const category = categoryOf(frame.url, frame.functionName, options.root);
      if (!isProjectCategory(category)) continue;
      if (!SHARED_FOLDERS.includes(category.split('/')[0] ?? '')) return category;
      shared ??= category;
    }
    return shared ?? '(outside the project: no project frame on the stack)';
  };
  // Self time of each function by its direct caller, and by call path (ids of the innermost frame's stack).
  const callerTime = new Map<string, Map<string, number>>();
  const nodeSelf = new Map<number, number>();
  const categories = new Map<string, number>();
  let idleUs = 0;
  let gcUs = 0;
  let sampledUs = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] ?? -1;
    // DevTools' convention: a sample stands for the time until the next one.
    const us = Math.max(0, timeDeltas[i + 1] ?? 0);
    const node = byId.get(id);
    if (node === undefined) continue;
    sampledUs += us;
    const { functionName, url } = node.callFrame;
    const category = categoryOf(url, functionName, options.root);
    if (category === '(idle)') {
      idleUs += us;
      continue;
    }
    if (category === '(gc)') gcUs += us;
    const key = keyOf(id);
    self.set(key, (self.get(key) ?? 0) + us);
    if (category !== '(gc)' && category !== '(program)') {
      const owner = ownerOf(id);
      owners.set(owner, (owners.get(owner) ?? 0) + us);
    }
    nodeSelf.set(id, (nodeSelf.get(id) ?? 0) + us);
    const parentId = parent.get(id);
    if (parentId !== undefined) {
      const callers = callerTime.get(key) ?? new Map<string, number>();
      callers.set(keyOf(parentId), (callers.get(keyOf(parentId)) ?? 0) + us);
      callerTime.set(key, callers);
    }
    categories.set(category, (categories.get(category) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(at);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const busyUs = Math.max(1, sampledUs - idleUs);
  const describe = (key: string): { functionName: string; url: string; location: string } => {
    const [functionName = '', url = '', line = '0'] = key.split('\u0000');
    return {
      functionName: functionName === '' ? '(anonymous)' : functionName,
      url,
      location: url === '' ? '' : `${relativeTo(url.replace(/^file:\/\//, ''), options.root)}:${Number(line) + 1}`,
    };
  };
  const pct = (us: number): number => Math.round((us / busyUs) * 1000) / 10;
  const ms = (us: number): number => Math.round(us / 100) / 10;
  const frameName = (id: number): string => {
    const d = describe(keyOf(id));
    return d.location === '' ? d.functionName : `${d.functionName} (${d.location})`;
  };
  const pathsOf = (key: string): { frames: string[]; pct: number }[] => {
    const byPath = new Map<string, { frames: string[]; us: number }>();
    for (const [id, us] of nodeSelf) {
      if (keyOf(id) !== key) continue;
      // The innermost frame, then the callers outside Node's internals (they say who asked for it).
      const frames: string[] = [frameName(id)];
      for (let at = parent.get(id); at !== undefined && frames.length < 7; at = parent.get(at)) {
        const url = byId.get(at)?.callFrame.url ?? '';
        if (url !== '' && !url.startsWith('node:')) frames.push(frameName(at));
      }
      const pathKey = frames.join('\u0001');
      const found = byPath.get(pathKey) ?? { frames, us: 0 };
      found.us += us;
      byPath.set(pathKey, found);
    }
    return [...byPath.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 3)
      .map((p) => ({ frames: p.frames, pct: pct(p.us) }));
  };
  const top = [...self.entries()]
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.top ?? 25)
    .map(([key, us], rank) => {
      const { functionName, url, location } = describe(key);
      const inclusive = total.get(key) ?? us;
      return {
        functionName,
        location,
        category: categoryOf(url, functionName, options.root),
        selfMs: ms(us),
        selfPct: pct(us),
        totalMs: ms(inclusive),
        totalPct: pct(inclusive),
        callers: [...(callerTime.get(key) ?? new Map<string, number>()).entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([callerKey, callerUs]) => {
            const caller = describe(callerKey);
            return { functionName: caller.functionName, location: caller.location, pct: pct(callerUs) };
          }),
        paths: rank < 5 ? pathsOf(key) : [],
      };
    });
  return {
    wallMs: ms(profile.endTime - profile.startTime),
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    gcMs: ms(gcUs),
    top,
    categories: [...categories.entries()]
      .filter(([, us]) => us > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, selfMs: ms(us), selfPct: pct(us) })),
    owners: [...owners.entries()]
      .filter(([, us]) => us > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, selfMs: ms(us), selfPct: pct(us) })),
  };
}

/** The summary as text: top functions, then packages and folders. */
export function formatProfileSummary(name: string, summary: ProfileSummary, categoryRows = 15): string {
  const lines = [
    `${name}: ${(summary.busyMs / 1000).toFixed(1)} s busy of ${(summary.wallMs / 1000).toFixed(1)} s profiled (GC ${((summary.gcMs / Math.max(1, summary.busyMs)) * 100).toFixed(1)}%)`,
    `  ${'self %'.padStart(7)} ${'total %'.padStart(8)}  function (location)`,
  ];
  summary.top.forEach((f, i) => {
    lines.push(`  ${f.selfPct.toFixed(1).padStart(7)} ${f.totalPct.toFixed(1).padStart(8)}  ${f.functionName}${f.location === '' ? '' : ` (${f.location})`}`);
    // Callers of the heaviest few: a native or library frame says little without them.
    if (i < 10 && f.paths.length === 0) for (const c of f.callers) lines.push(`  ${''.padStart(16)}    ← ${c.pct.toFixed(1)}% ${c.functionName}${c.location === '' ? '' : ` (${c.location})`}`);
    for (const p of f.paths) lines.push(`  ${''.padStart(16)}    ${p.pct.toFixed(1)}%: ${p.frames.slice(1).join(' ← ')}`);
  });
  lines.push(`  self time by package / folder:`);
  for (const c of summary.categories.slice(0, categoryRows)) lines.push(`  ${c.selfPct.toFixed(1).padStart(7)}%  ${c.category}`);
  lines.push(`  busy time by the project module that caused it (library, Node and native time charged to its caller; GC apart):`);
  for (const c of summary.owners.slice(0, categoryRows)) lines.push(`  ${c.selfPct.toFixed(1).padStart(7)}%  ${c.category}`);
  return lines.join('\n');
}
