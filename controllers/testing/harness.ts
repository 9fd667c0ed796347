/**
 * Test harness for controller unit tests: a FakeClient, a real informer
 * factory and event recorder over it, a silent logger, and `waitFor`.
 */
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { createEventRecorder, type EventRecorderExt } from '../../apiserver/client/events.ts';
import { quietLogger } from '../../testutil/log.ts';
import { waitFor as pollFor } from '../../testutil/wait.ts';
import type { ControllerDeps } from '../deps.ts';

/** Deps over a FakeClient plus handles a test needs. */
export interface Harness {
  client: FakeClient;
  deps: ControllerDeps;
  recorder: EventRecorderExt;
  /** Starts the informers and waits for them to sync. */
  start(): Promise<void>;
  /** Aborts the informers (call in `after`/finally). */
  stop(): void;
}

/** The shared test logger (testutil/log.ts), re-exported for controller tests. */
export { quietLogger };

/**
 * Builds a harness; `now` drives the FakeClient timestamps (ms since epoch);
 * `namespaces` are created besides the system ones (the server needs a
 * namespace before objects in it).
 */
export function harness(opts: { now?: () => number; namespaces?: string[] } = {}): Harness {
  const client = new FakeClient({ now: opts.now, namespaces: opts.namespaces ?? ['ns'] });
  const log = quietLogger('test');
  const informers = createInformerFactory(client, log);
  const recorder = createEventRecorder(client, 'test-controller', log);
  const ac = new AbortController();
  return {
    client,
    recorder,
    deps: { client, informers, recorder, log, config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 } },
    async start() {
      informers.start(ac.signal);
      await informers.synced();
    },
    stop() {
      ac.abort();
    },
  };
}

/** Polls `pred` every 5 ms until true or `timeoutMs` (the shared testutil waitFor; a throwing check counts as not yet). */
export const waitFor = (what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<boolean> => pollFor(() => pred(), timeoutMs, what, 5);
