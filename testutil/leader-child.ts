/**
 * Test helper process: runs the scheduler or the controller-manager with
 * leader election against a test API server, so a test can kill it with
 * SIGKILL (no release, no goodbye) or stop it with SIGTERM (graceful: the
 * Lease is released). `spawnLeaderChild` starts one; the child itself is
 * this file run as a script with one JSON argument (ChildSpec).
 *
 * Exit codes: 0 after SIGTERM, 3 when the lease was lost (kube exits too),
 * 1 on any other failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LeaderElectionTimings } from '../apiserver/client/leaderelection.ts';
import { LeaderElectionLostError } from '../apiserver/client/leaderelection.ts';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { Leases } from '../apiserver/client/resources.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { quietLogger } from './log.ts';
import { waitFor } from './wait.ts';

/** What the child runs. */
export interface ChildSpec extends LeaderElectionTimings {
  component: 'scheduler' | 'controller-manager';
  /** The test API server, e.g. 'http://127.0.0.1:41234'. */
  apiUrl: string;
  /** Candidate identity written into the Lease. */
  identity: string;
  /** /healthz port (pick one with freePort). */
  healthzPort: number;
}

/** A running child. */
export interface LeaderChild {
  proc: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the child is gone. */
  exited: Promise<number | string>;
}

/** Spawns `node --import tsx testutil/leader-child.ts <spec>`; stderr is inherited when SKIFF_TEST_LOG=1. */
export function spawnLeaderChild(spec: ChildSpec): LeaderChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(spec)], {
    stdio: ['ignore', 'ignore', process.env.SKIFF_TEST_LOG === '1' ? 'inherit' : 'ignore'],
  });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { proc, exited };
}

async function main(spec: ChildSpec): Promise<number> {
  const ac = new AbortController();
  process.once('SIGTERM', () => ac.abort());
  const log = quietLogger(`${spec.component}-${spec.identity}`);
  const leaderElection = { identity: spec.identity, leaseDurationMs: spec.leaseDurationMs, renewDeadlineMs: spec.renewDeadlineMs, retryPeriodMs: spec.retryPeriodMs };
  try {
    if (spec.component === 'scheduler') {
      const { runScheduler } = await import('../scheduler/main.ts');
      await runScheduler({ apiUrl: spec.apiUrl, healthzPort: spec.healthzPort, log, leaderElect: true, leaderElection }, ac.signal);
    } else {
      const { runControllerManager } = await import('../controllers/main.ts');
      await runControllerManager({
        apiUrl: spec.apiUrl, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: spec.healthzPort, log,
        controllers: ['deployment', 'replicaset'], leaderElect: true, leaderElection,
      }, ac.signal);
    }
    return 0;
  } catch (e) {
    if (e instanceof LeaderElectionLostError) return 3;
    process.stderr.write(`leader-child: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
  void main(spec).then((code) => process.exit(code));
}

/** The Lease `kube-system/<name>` (undefined if absent). */
export function readLease(c: ApiClient, name: string): Promise<Lease | undefined> {
  return c.tryGet<Lease>(Leases, name, 'kube-system');
}

/** Waits up to `ms` until the Lease `kube-system/<name>` names `holder`; resolves the Lease. Rejects on timeout. */
export function leaseHeldBy(c: ApiClient, name: string, holder: string, ms: number): Promise<Lease> {
  return waitFor(async (note) => {
    const l = await readLease(c, name);
    note(`holder ${l?.spec?.holderIdentity ?? '(no lease)'}`);
    return l?.spec?.holderIdentity === holder ? l : undefined;
  }, ms, `lease held by ${holder}`, 20);
}
