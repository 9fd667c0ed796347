/**
 * Exploration run of the fuzz generators: sends many generated requests to a
 * fresh bench, does not stop at the first failure, and prints every broken
 * invariant grouped by a signature (kind of violation, request family,
 * resource, HTTP code, normalized message) with the shortest example of each.
 * For triage; the pass/fail gate is fuzz.test.ts.
 *
 *   node --import tsx apiserver/fuzz/explore.ts [runsPerKind=300] [seed=1]
 */
import fc from 'fast-check';
import { describeViolation, startHarness, type Harness, type Violation } from './harness.test-helper.ts';
import { pathRequest, requestFor, type FuzzRequest } from './arbitraries/requests.ts';

/** A signature that groups violations with one cause: digits, quoted text and long tails removed. */
export function signature(v: Violation, resource: string): string {
  let msg = v.detail;
  if (v.response) {
    try {
      const s = JSON.parse(v.response.body) as { message?: unknown; reason?: unknown };
      msg = `${v.detail} ${String(s.reason ?? '')} ${String(s.message ?? '')}`;
    } catch {
      msg = `${v.detail} ${v.response.body.slice(0, 80)}`;
    }
  }
  const norm = msg.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\d+/g, 'N').replace(/\s+/g, ' ').slice(0, 140);
  return `${v.kind} | ${v.request?.family ?? '-'} | ${resource} | ${v.response?.code ?? '-'} | ${norm}`;
}

function size(r: FuzzRequest | undefined): number {
  return r ? r.url.length + (r.body?.length ?? 0) : 0;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 300);
  const seed = Number(process.argv[3] ?? 1);
  const h = await startHarness();
  const stop = (): void => { void h.stop().finally(() => process.exit(130)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await explore(h, runs, seed);
  } finally {
    await h.stop();
  }
}

async function explore(h: Harness, runs: number, seed: number): Promise<void> {
  const groups = new Map<string, { count: number; example: Violation }>();
  const record = (v: Violation, resource: string): void => {
    const sig = signature(v, resource);
    const g = groups.get(sig);
    if (!g) groups.set(sig, { count: 1, example: v });
    else {
      g.count++;
      if (size(v.request) < size(g.example.request)) g.example = v;
    }
  };
  const started = Date.now();
  let n = 0;
  const targets: Array<[string, fc.Arbitrary<FuzzRequest>]> = [...h.defs.map((d): [string, fc.Arbitrary<FuzzRequest>] => [d.resource, requestFor(d)]), ['paths', pathRequest()]];
  for (const [resource, arb] of targets) {
    for (const r of fc.sample(arb, { numRuns: runs, seed: seed + targets.findIndex(([name]) => name === resource) })) {
      const via = n % 10 === 0 ? 'socket' : 'inject';
      for (const v of await h.check(r, via)) record(v, resource);
      if (++n % 100 === 0) for (const v of await h.canary()) record(v, resource);
    }
    process.stderr.write(`${resource}: ${n} requests, ${groups.size} groups, ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
  for (const v of await h.canary()) record(v, 'end');
  const sorted = [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [sig, g] of sorted) {
    process.stdout.write(`\n### ${sig}  (×${g.count})\n${describeViolation(g.example)}\n`);
  }
  process.stdout.write(`\n${n} requests (inject ${h.counts.inject}, socket ${h.counts.socket}) in ${Math.round((Date.now() - started) / 1000)} s; ${groups.size} groups; slow: ${h.slow.length}\n`);
  for (const [f, t] of [...h.timing.entries()].sort((a, b) => b[1].ms - a[1].ms)) process.stdout.write(`time ${f}: ${t.n} requests, ${t.ms} ms (${(t.ms / t.n).toFixed(1)} ms each)\n`);
  for (const s of h.slow.slice(0, 10)) process.stdout.write(`slow ${s.ms} ms: ${describeViolation({ kind: 'slow', detail: '', request: s.request })}\n`);
}

await main();
