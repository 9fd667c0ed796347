import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { join } from 'node:path';
import { addSnapshotServerOptions, registerEtcdSnapshotCommand, snapshotScheduleFrom, type EtcdSnapshotActions, type SnapshotServerFlags } from './command.ts';

type Call = { name: string; opts: unknown };

/** `skiff etcd-snapshot …` parsed by a program whose actions only record, and that throws instead of exiting. */
async function parse(args: string[]): Promise<Call[]> {
  const calls: Call[] = [];
  const rec = (name: string) => async (opts: unknown): Promise<void> => { calls.push({ name, opts }); };
  const actions: EtcdSnapshotActions = { save: rec('save'), list: rec('list'), delete: rec('delete'), prune: rec('prune'), restore: rec('restore') };
  const program = new Command('skiff');
  const root = registerEtcdSnapshotCommand(program, actions, 'test-host');
  for (const c of [program, root, ...root.commands]) {
    c.exitOverride();
    c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  }
  await program.parseAsync(['node', 'skiff', 'etcd-snapshot', ...args]);
  return calls;
}

const D = { dataDir: '/var/lib/skiff', dir: '/var/lib/skiff/snapshots' };

test('etcd-snapshot subcommands: defaults', async () => {
  const cases: Array<[string[], Call]> = [
    [['save'], { name: 'save', opts: { ...D, name: 'on-demand', nodeName: 'test-host', etcdClientPort: 2479 } }],
    [['list'], { name: 'list', opts: D }],
    [['ls'], { name: 'list', opts: D }],
    [['delete', 'a-n-1', 'b-n-2'], { name: 'delete', opts: { ...D, names: ['a-n-1', 'b-n-2'] } }],
    [['prune'], { name: 'prune', opts: { ...D, name: 'etcd-snapshot', nodeName: 'test-host', retention: 5 } }],
    [['restore', '/backups/x'], { name: 'restore', opts: { ...D, file: '/backups/x', etcdPeerPort: 2480 } }],
  ];
  for (const [args, want] of cases) assert.deepEqual(await parse(args), [want], args.join(' '));
});

test('etcd-snapshot subcommands: every flag; relative dirs become absolute', async () => {
  assert.deepEqual(await parse(['save', '--data-dir', '/d', '--etcd-snapshot-dir', 'rel', '--name', 'before-upgrade', '--node-name', 'n1', '--etcd-client-port', '3479']), [
    { name: 'save', opts: { dataDir: '/d', dir: join(process.cwd(), 'rel'), name: 'before-upgrade', nodeName: 'n1', etcdClientPort: 3479 } },
  ]);
  assert.deepEqual(await parse(['prune', '--data-dir', '/d', '--snapshot-retention', '2', '--name', 'nightly', '--node-name', 'n1']), [
    { name: 'prune', opts: { dataDir: '/d', dir: '/d/snapshots', name: 'nightly', nodeName: 'n1', retention: 2 } },
  ]);
  assert.deepEqual(await parse(['restore', 'on-demand-n1-1', '--data-dir', 'data', '--etcd-peer-port', '3480']), [
    { name: 'restore', opts: { dataDir: join(process.cwd(), 'data'), dir: join(process.cwd(), 'data', 'snapshots'), file: 'on-demand-n1-1', etcdPeerPort: 3480 } },
  ]);
});

test('etcd-snapshot: bad values are refused before any action', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['save', '--name', '../x'], /letters, digits/],
    [['save', '--etcd-client-port', '0'], /port number/],
    [['prune', '--snapshot-retention', '-1'], /whole number|unknown option/],
    [['delete'], /missing required argument/],
    [['restore'], /missing required argument/],
  ];
  for (const [args, want] of cases) await assert.rejects(parse(args), want, args.join(' '));
});

/** The server command with only the snapshot flags, parsed. */
async function serverFlags(args: string[]): Promise<SnapshotServerFlags> {
  const server = addSnapshotServerOptions(new Command('server').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }));
  await server.parseAsync(args, { from: 'user' });
  return server.opts<SnapshotServerFlags>();
}

test('server snapshot flags: k3s defaults and every flag', async () => {
  assert.deepEqual(snapshotScheduleFrom(await serverFlags([]), '/var/lib/skiff'), {
    disabled: false, cron: '0 */12 * * *', retention: 5, name: 'etcd-snapshot', dir: '/var/lib/skiff/snapshots',
  });
  const all = await serverFlags(['--etcd-snapshot-schedule-cron', '*/5 * * * *', '--etcd-snapshot-retention', '2', '--etcd-disable-snapshots',
    '--etcd-snapshot-name', 'nightly', '--etcd-snapshot-dir', '/backup']);
  assert.deepEqual(snapshotScheduleFrom(all, '/d'), { disabled: true, cron: '*/5 * * * *', retention: 2, name: 'nightly', dir: '/backup' });
});

test('server snapshot flags: a bad cron spec is refused with the field', async () => {
  await assert.rejects(serverFlags(['--etcd-snapshot-schedule-cron', '0 25 * * *']), /hour: 25 is out of range 0-23/);
  await assert.rejects(serverFlags(['--etcd-snapshot-retention', 'five']), /whole number/);
});
