/**
 * The API fuzz suite (issue 5). For every stored kind, and for hostile paths,
 * it generates requests (create/update bodies, all four patch kinds,
 * subresource writes, deletes with options, collection deletes, reads with
 * hostile query strings, garbage bodies, wrong methods) and sends them to the
 * real server stack over a real etcd (app.inject, and one in ten over a real
 * loopback socket). For every request it asserts:
 *   - no 5xx;
 *   - every non-2xx body is a meta/v1 Status (Failure, code = HTTP code, reason, message);
 *   - a rejected request, and any dryRun=All request, leaves the etcd revision unchanged,
 *     and every 25th one also leaves every key and value under /registry byte-identical;
 *   - no built-in prototype gains or changes a property;
 *   - every object an accepted write stored is well formed under its key.
 * After each kind, a normal create of a valid Pod and ConfigMap must still work.
 *
 * Length and replay (environment):
 *   SKIFF_FUZZ_RUNS=N     requests per kind (default 390: 13 targets × 390 ≈ 5,000 in CI);
 *                         the long run is e.g. SKIFF_FUZZ_RUNS=20000.
 *   SKIFF_FUZZ_SEED=S     fix the fast-check seed (default: random, printed in each test's diagnostics);
 *   SKIFF_FUZZ_PATH=P     with the seed, replay just the failing case fast-check printed
 *                         ("Counterexample … seed: S, path: "P"").
 *   SKIFF_FUZZ_ONLY=pods  run only the targets whose name contains this.
 * e.g. SKIFF_FUZZ_RUNS=20000 node --import tsx --test --test-force-exit apiserver/fuzz/fuzz.test.ts
 * apiserver/fuzz/explore.ts runs the same generators without stopping and groups every failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { etcdSkipReason } from '../../testutil/real-api.ts';
import { describeViolation, startHarness, type Harness } from './harness.test-helper.ts';
import { pathRequest, requestFor, type FuzzRequest } from './arbitraries/requests.ts';
import { allResources } from '../registry/resources/index.ts';
import { storedDefs } from './arbitraries/seeds.ts';
import { prototypeChanges, snapshotPrototypes } from './invariants.ts';

const runs = Number(process.env.SKIFF_FUZZ_RUNS ?? 390);
const only = process.env.SKIFF_FUZZ_ONLY;
const fixedSeed = process.env.SKIFF_FUZZ_SEED === undefined ? undefined : Number(process.env.SKIFF_FUZZ_SEED);
const replayPath = process.env.SKIFF_FUZZ_PATH;

const atLoad = snapshotPrototypes();
const skip = etcdSkipReason();
let h: Harness | undefined;

before(async () => {
  if (!skip) h = await startHarness();
});

after(async () => {
  await h?.stop();
});

/** Runs `runs` generated requests from `arb` through the bench; fails with the shrunk request and its violations. */
async function fuzz(t: { diagnostic(m: string): void }, name: string, arb: fc.Arbitrary<FuzzRequest>): Promise<void> {
  const bench = h as Harness;
  const seed = fixedSeed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  t.diagnostic(`${name}: seed ${seed}${replayPath ? `, path ${replayPath}` : ''}, ${runs} runs`);
  const property = fc.asyncProperty(fc.limitShrink(arb, 60), fc.nat(9), async (r, lane) => {
    const violations = await bench.check(r, lane === 0 ? 'socket' : 'inject');
    if (violations.length > 0) throw new Error(violations.map(describeViolation).join('\n'));
  });
  await fc.assert(property, { numRuns: runs, seed, path: replayPath, includeErrorInReport: true });
  const canary = await bench.canary();
  assert.deepEqual(canary.map(describeViolation), [], 'a valid Pod and ConfigMap can still be created');
}

describe('API fuzz: hostile requests are answered without harm', { skip }, () => {
  const targets: Array<[string, () => fc.Arbitrary<FuzzRequest>]> = [
    ...storedDefs(allResources()).map((d): [string, () => fc.Arbitrary<FuzzRequest>] => [d.resource, () => requestFor(d)]),
    ['paths', pathRequest],
  ];
  for (const [name, arb] of targets) {
    if (only && !name.includes(only)) continue;
    test(`${name}: no 5xx, every error a Status, rejected and dry-run requests write nothing, prototypes untouched`, async (t) => {
      await fuzz(t, name, arb());
    });
  }

  test('process-wide state after the run: prototypes have no added keys and valid creates work', async () => {
    const bench = h as Harness;
    assert.deepEqual(prototypeChanges(atLoad), [], 'built-in prototypes are as they were when the file loaded');
    assert.deepEqual((await bench.canary()).map(describeViolation), []);
    const total = bench.counts.inject + bench.counts.socket;
    assert.ok(total > 0, 'requests were sent');
  });
});
