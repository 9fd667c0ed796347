/**
 * The real `skiff etcd-snapshot` actions: each runs one act function and
 * prints what it did to `out`; an expected failure rejects with a message
 * (the skiff command prints it as `skiff: <message>` and exits 1).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { etcdClientUrl, etcdPeerUrl } from '../server/etcd.ts';
import { etcdTLSFiles } from '../server/etcd-tls.ts';
import type { EtcdSnapshotActions } from './command.ts';
import { restoreSnapshot } from './restore.ts';
import { saveSnapshot } from './save.ts';
import { deleteSnapshots, listSnapshots, pruneSnapshots } from './store.ts';
import { snapshotPrefix } from './naming.ts';
import { formatSnapshotTable } from './table.ts';

/** The embedded etcd listens on loopback (deploy/server/etcd.ts). */
const EMBEDDED = { host: '127.0.0.1' } as const;

/** The actions, printing to `out`; `now` is the clock in new file and dir names. */
export function etcdSnapshotActions(out: NodeJS.WritableStream, now: () => Date = () => new Date()): EtcdSnapshotActions {
  return {
    save: async (o) => {
      const tls = etcdTLSFiles(o.dataDir);
      const url = etcdClientUrl({ ...EMBEDDED, dataDir: '', clientPort: o.etcdClientPort, peerPort: 0, tls: tls.server });
      const r = await saveSnapshot({ etcd: { url, tls: tls.client }, dir: o.dir, base: o.name, nodeName: o.nodeName, now: now() });
      if (!r.ok) throw new Error(/^(snapshot of etcd|cannot read the etcd client cert)/.test(r.error) ? `${r.error} (is skiff server running on ${o.dataDir}, and are you root?)` : r.error);
      out.write(`Snapshot ${r.value.name} saved to ${r.value.path} (${r.value.size} bytes)\n`);
    },
    list: async (o) => {
      out.write(formatSnapshotTable(o.dir, await listSnapshots(o.dir)));
    },
    delete: async (o) => {
      const r = await deleteSnapshots(o.dir, o.names);
      for (const n of r.deleted) out.write(`Removed snapshot ${n}\n`);
      const bad = [...r.missing.map((n) => `${n} (not found in ${o.dir})`), ...r.invalid.map((n) => `${n} (not a snapshot name)`)];
      if (bad.length > 0) throw new Error(`cannot delete ${bad.join(', ')}`);
    },
    prune: async (o) => {
      const removed = await pruneSnapshots(o.dir, snapshotPrefix(o.name, o.nodeName), o.retention);
      for (const n of removed) out.write(`Removed snapshot ${n}\n`);
      if (removed.length === 0) out.write(`Nothing to prune: at most ${o.retention} snapshots named ${snapshotPrefix(o.name, o.nodeName)}*\n`);
    },
    restore: async (o) => {
      const file = !existsSync(o.file) && existsSync(join(o.dir, o.file)) ? join(o.dir, o.file) : o.file;
      const tls = etcdTLSFiles(o.dataDir);
      const peerUrl = etcdPeerUrl({ ...EMBEDDED, dataDir: '', clientPort: 0, peerPort: o.etcdPeerPort, tls: tls.server });
      const r = await restoreSnapshot({ dataDir: o.dataDir, file, peerUrl, now: now() });
      if (!r.ok) throw new Error(r.error);
      out.write(`Restored ${file} into ${r.value.etcdDir}\n`);
      if (r.value.previous !== undefined) out.write(`The previous etcd data is in ${r.value.previous}\n`);
      out.write(`Start the restored cluster with: skiff server --data-dir ${o.dataDir}\n`);
    },
  };
}
