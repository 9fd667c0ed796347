/**
 * Test helper: the shared preamble of tests that need the real API server —
 * a logger that writes nothing, the "etcd is not installed" skip reason, and
 * starting the server or skipping the test with a clear reason.
 */
import type { TestContext } from 'node:test';
import { existsSync } from 'node:fs';
import type { StartApiServerOptions, TestApiServer } from './apiserver.ts';

export { quietLogger } from './log.ts';

/** 'etcd not installed' when /usr/bin/etcd is missing (tests then skip), else undefined. */
export function etcdSkipReason(): string | undefined {
  return existsSync('/usr/bin/etcd') ? undefined : 'etcd not installed';
}

/**
 * Starts etcd and the real API server (testutil/apiserver.ts, imported
 * lazily so that a server which fails to load skips the test rather than
 * failing the file). When etcd is missing or the server does not load, calls
 * `t.skip(reason)` and resolves undefined: the caller returns. Rejects as
 * startApiServer does if the server fails to start.
 */
export async function startApiServerOrSkip(t: TestContext, opts: StartApiServerOptions = {}): Promise<TestApiServer | undefined> {
  const reason = etcdSkipReason();
  if (reason) {
    t.skip(reason);
    return undefined;
  }
  let mod: typeof import('./apiserver.ts');
  try {
    mod = await import('./apiserver.ts');
  } catch (e) {
    t.skip(`the API server does not load: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  return mod.startApiServer(opts);
}
