/**
 * The `skiff etcd-snapshot` subcommands (k3s's names and flags): `save
 * [--name]`, `list` (`ls`), `delete <name>...`, `prune
 * [--snapshot-retention]` and `restore <file>`, plus the snapshot flags of
 * `skiff server`. Flags only: what runs is injected as EtcdSnapshotActions.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { defaults } from '../server/config.ts';
import { parseNodeName, parsePort } from '../cli/options.ts';
import { parseCron } from './cron.ts';
import { isValidSnapshotName, ON_DEMAND_BASE_NAME, SCHEDULED_BASE_NAME } from './naming.ts';
import type { SnapshotScheduleConfig } from './schedule.ts';
import { defaultSnapshotDir } from './store.ts';

/** k3s's default schedule: 00:00 and 12:00. */
export const DEFAULT_SNAPSHOT_CRON = '0 */12 * * *';
/** k3s's default retention. */
export const DEFAULT_SNAPSHOT_RETENTION = 5;

/** Flags every subcommand has: absolute paths. */
export interface SnapshotDirFlags {
  dataDir: string;
  /** The snapshot dir (default `<dataDir>/snapshots`). */
  dir: string;
}

/** `skiff etcd-snapshot save`. */
export interface SnapshotSaveFlags extends SnapshotDirFlags {
  /** Base name (default on-demand). */
  name: string;
  nodeName: string;
  /** The running server's etcd client port (loopback, TLS with `<dataDir>`'s etcd client cert). */
  etcdClientPort: number;
}

/** `skiff etcd-snapshot prune`. */
export interface SnapshotPruneFlags extends SnapshotDirFlags {
  /** Group to prune: `<name>-<node>-*` (default etcd-snapshot). */
  name: string;
  nodeName: string;
  retention: number;
}

/** `skiff etcd-snapshot restore <file>`. */
export interface SnapshotRestoreFlags extends SnapshotDirFlags {
  /** A path, or the name of a file in `dir`. */
  file: string;
  /** The peer port the server's etcd uses (skiff server --etcd-peer-port). */
  etcdPeerPort: number;
}

/** What each `skiff etcd-snapshot` subcommand does; each resolves when done and rejects with a message for the user. */
export interface EtcdSnapshotActions {
  save(o: SnapshotSaveFlags): Promise<void>;
  list(o: SnapshotDirFlags): Promise<void>;
  delete(o: SnapshotDirFlags & { names: string[] }): Promise<void>;
  prune(o: SnapshotPruneFlags): Promise<void>;
  restore(o: SnapshotRestoreFlags): Promise<void>;
}

/** A cron spec parseCron accepts; returned as given. */
export function parseCronFlag(value: string): string {
  const r = parseCron(value);
  if ('error' in r) throw new InvalidArgumentError(`${r.error}.`);
  return value;
}

/** A retention count, 0 (keep all) or more. */
export function parseRetention(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (0 keeps every snapshot).');
  return Number(value);
}

/** A snapshot base name. */
export function parseBaseName(value: string): string {
  if (!isValidSnapshotName(value)) throw new InvalidArgumentError('must be letters, digits, ".", "_" or "-", starting with a letter or digit.');
  return value;
}

const dirFlags = (c: Command): Command => c
  .option('--data-dir <dir>', 'the server\'s data dir', defaults.dataDir)
  .option('--etcd-snapshot-dir <dir>', 'where snapshots are (default: <data-dir>/snapshots)');

const dirsOf = (o: { dataDir: string; etcdSnapshotDir?: string }): SnapshotDirFlags => {
  const dataDir = resolve(o.dataDir);
  return { dataDir, dir: o.etcdSnapshotDir === undefined ? defaultSnapshotDir(dataDir) : resolve(o.etcdSnapshotDir) };
};

/** Adds `etcd-snapshot` and its subcommands to `program`; `nodeName` is the default --node-name. Returns the new command. */
export function registerEtcdSnapshotCommand(program: Command, actions: EtcdSnapshotActions, nodeName: string): Command {
  const root = program.command('etcd-snapshot')
    .description('save, list, delete, prune and restore snapshots of the embedded etcd (files under <data-dir>/snapshots)');
  type Dirs = { dataDir: string; etcdSnapshotDir?: string };
  const nodeOption = (): Option => new Option('--node-name <name>', 'node name in snapshot file names').default(nodeName, 'this host\'s name').argParser(parseNodeName);

  dirFlags(root.command('save').description('take a snapshot now, named <name>-<node>-<unix seconds> (needs the server running)'))
    .addOption(new Option('--name <name>', 'base name of the snapshot').default(ON_DEMAND_BASE_NAME).argParser(parseBaseName))
    .addOption(nodeOption())
    .addOption(new Option('--etcd-client-port <port>', 'the server\'s embedded etcd client port').default(defaults.etcdClientPort).argParser(parsePort))
    .action(async (o: Dirs & { name: string; nodeName: string; etcdClientPort: number }) => {
      await actions.save({ ...dirsOf(o), name: o.name, nodeName: o.nodeName, etcdClientPort: o.etcdClientPort });
    });

  dirFlags(root.command('list').alias('ls').description('list snapshots: Name, Location, Size (bytes), Created'))
    .action(async (o: Dirs) => { await actions.list(dirsOf(o)); });

  dirFlags(root.command('delete').description('delete the named snapshots').argument('<name...>', 'snapshot file names (as list shows them)'))
    .action(async (names: string[], o: Dirs) => { await actions.delete({ ...dirsOf(o), names }); });

  dirFlags(root.command('prune').description('delete the oldest snapshots of <name>-<node> beyond --snapshot-retention'))
    .addOption(new Option('--name <name>', 'base name of the snapshots to prune').default(SCHEDULED_BASE_NAME).argParser(parseBaseName))
    .addOption(nodeOption())
    .addOption(new Option('--snapshot-retention <n>', 'snapshots to keep').default(DEFAULT_SNAPSHOT_RETENTION).argParser(parseRetention))
    .action(async (o: Dirs & { name: string; nodeName: string; snapshotRetention: number }) => {
      await actions.prune({ ...dirsOf(o), name: o.name, nodeName: o.nodeName, retention: o.snapshotRetention });
    });

  dirFlags(root.command('restore').description('restore a snapshot into <data-dir>/etcd while the server is stopped (the old data moves to etcd-old-<seconds>)')
    .argument('<file>', 'a snapshot file, or the name of one in the snapshot dir'))
    .addOption(new Option('--etcd-peer-port <port>', 'the peer port skiff server runs etcd with').default(defaults.etcdPeerPort).argParser(parsePort))
    .action(async (file: string, o: Dirs & { etcdPeerPort: number }) => {
      await actions.restore({ ...dirsOf(o), file, etcdPeerPort: o.etcdPeerPort });
    });
  return root;
}

/** The raw `skiff server` snapshot flags as commander hands them over. */
export interface SnapshotServerFlags {
  etcdSnapshotScheduleCron: string;
  etcdSnapshotRetention: number;
  etcdDisableSnapshots?: boolean;
  etcdSnapshotName: string;
  etcdSnapshotDir?: string;
}

/** Adds the k3s snapshot flags to the `server` command. Returns it. */
export function addSnapshotServerOptions(server: Command): Command {
  return server
    .addOption(new Option('--etcd-snapshot-schedule-cron <spec>', 'when to take scheduled snapshots (cron, local time)').default(DEFAULT_SNAPSHOT_CRON).argParser(parseCronFlag))
    .addOption(new Option('--etcd-snapshot-retention <n>', 'scheduled snapshots to keep (0: all)').default(DEFAULT_SNAPSHOT_RETENTION).argParser(parseRetention))
    .option('--etcd-disable-snapshots', 'take no scheduled snapshots')
    .addOption(new Option('--etcd-snapshot-name <name>', 'base name of scheduled snapshots').default(SCHEDULED_BASE_NAME).argParser(parseBaseName))
    .option('--etcd-snapshot-dir <dir>', 'where snapshots go (default: <data-dir>/snapshots)');
}

/** The server's SnapshotScheduleConfig from its flags; `dataDir` absolute. Pure. */
export function snapshotScheduleFrom(o: SnapshotServerFlags, dataDir: string): SnapshotScheduleConfig {
  return {
    disabled: o.etcdDisableSnapshots === true, cron: o.etcdSnapshotScheduleCron, retention: o.etcdSnapshotRetention,
    name: o.etcdSnapshotName, dir: o.etcdSnapshotDir === undefined ? defaultSnapshotDir(dataDir) : resolve(o.etcdSnapshotDir),
  };
}
