/**
 * The lifecycle every multi-node e2e suite shares, registered as node:test
 * hooks of the enclosing `describe`: check the tools, build the test
 * images, start a server and agents on a fresh topology (multi-cluster.ts),
 * keep a scratch directory; after the steps, print every node's log tail
 * when a step failed, stop the cluster (namespaces and processes) and
 * remove the scratch directory, also after a failure.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImages } from '../../deploy/images/build.ts';
import { log, prerequisites } from './prelude.ts';
import { agentFlags, startMultiCluster, type MultiCluster, type MultiClusterOptions } from './multi-cluster.ts';
import { OrderedSteps } from './steps.ts';

const MIN = 60_000;

/** What a suite passes to {@link multiClusterSuite}. */
export interface MultiSuiteOptions {
  /** Short name: the scratch dir is `<tmp>/skiff-e2e-<name>-*`. */
  name: string;
  /** Host tools the suite needs (prelude.ts prerequisites); missing ones skip it with the reason. */
  tools: readonly string[];
  /** Cluster shape: agents, server flags, ... (images, agent flags and progress are filled in). */
  cluster?: Omit<MultiClusterOptions, 'images' | 'agentFlags' | 'progress'>;
  /** Run the remaining steps after a failed one (default: E2E_CONTINUE=1). */
  continueAfterFailure?: boolean;
  /** Extra cleanup run first in the after hook (e.g. a collector server). */
  beforeStop?: () => void | Promise<void>;
}

/** The suite's handles, valid once its before hook ran. */
export interface MultiSuite {
  /** Registers ordered steps on the shared cluster. */
  steps: OrderedSteps<MultiCluster>;
  /** The scratch directory ('' when the suite is skipped). */
  workDir(): string;
}

/**
 * Registers the before/after hooks described in the file doc on the
 * enclosing `describe` and returns the steps registrar. A cluster that
 * fails to start makes the first step fail with the reason and skips the
 * rest; an agent binary without `skiff agent` is such a failure.
 */
export function multiClusterSuite(o: MultiSuiteOptions): MultiSuite {
  let skipReason: string | undefined;
  let startError: unknown;
  let mc: MultiCluster | undefined;
  let work = '';

  before(async () => {
    skipReason = await prerequisites(o.tools);
    if (skipReason) {
      log(`skipping: ${skipReason}`);
      return;
    }
    work = await mkdtemp(join(tmpdir(), `skiff-e2e-${o.name}-`));
    try {
      const flags = await agentFlags();
      if (!flags?.has('--server')) throw new Error('`skiff agent --help` shows no agent subcommand with --server');
      const built = await buildImages({ progress: log });
      mc = await startMultiCluster({ ...o.cluster, images: built.images, agentFlags: flags, progress: log });
    } catch (e) {
      startError = e;
      log(`cluster failed to start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, { timeout: 8 * MIN });

  const steps = new OrderedSteps<MultiCluster>({ cluster: () => mc, skipReason: () => skipReason, startError: () => startError }, log, o.continueAfterFailure);

  after(async () => {
    await o.beforeStop?.();
    if (mc) {
      if (steps.failedAt()) for (const n of mc.nodes) log(`${n.nodeName} log tail:\n${await n.logTail(6000)}`);
      await mc.stop();
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, { timeout: 4 * MIN });

  return { steps, workDir: () => work };
}
