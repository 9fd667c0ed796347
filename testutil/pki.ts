/**
 * Test helper: two independent cluster PKIs (deploy/pki ensurePKI) in one
 * temp dir — `dataDir`, the cluster's own, and `otherDir`, a stranger's CA
 * for "a cert from another CA" cases. `usePKIs` registers the node:test
 * before/after hooks of the file that calls it and removes the dir after.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePKI } from '../deploy/pki/ensure.ts';
import type { ClusterIdentity } from '../deploy/pki/specs.ts';

/** The fixture's paths, valid once `ready()` has resolved. */
export interface PKIFixture {
  /** The temp dir holding both (and anything else the test writes). */
  dir: string;
  dataDir: string;
  otherDir: string;
  /**
   * Makes both PKIs (once; later calls return the same promise). The
   * fixture's own `before` calls it too, but a file's other top-level
   * `before` hooks must not rely on hook order: they await this first.
   */
  ready(): Promise<void>;
}

/** Registers hooks that make both PKIs for `cluster` under a temp dir named after `name`; returns the (filled-in) paths. */
export function usePKIs(name: string, cluster: ClusterIdentity): PKIFixture {
  let made: Promise<void> | undefined;
  const f: PKIFixture = {
    dir: '', dataDir: '', otherDir: '',
    ready: () => {
      made ??= (async () => {
        f.dir = await mkdtemp(join(tmpdir(), `skiff-${name}-`));
        f.dataDir = join(f.dir, 'data');
        f.otherDir = join(f.dir, 'other');
        const now = new Date();
        await ensurePKI({ dataDir: f.dataDir, cluster, crypto: globalThis.crypto, now });
        await ensurePKI({ dataDir: f.otherDir, cluster, crypto: globalThis.crypto, now });
      })();
      return made;
    },
  };
  before(() => f.ready());
  after(async () => {
    if (f.dir) await rm(f.dir, { recursive: true, force: true });
  });
  return f;
}
