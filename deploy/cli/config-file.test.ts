import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, type CliActions } from './program.ts';
import { addConfigOption, configFileArgs, expandConfigFile, flagSpecs, takeConfigFlag, type FlagSpec } from './config-file.ts';
import type { ServerConfig } from '../server/config.ts';

const flags: FlagSpec[] = [
  { name: 'data-dir', takesValue: true }, { name: 'node-ip', takesValue: true }, { name: 'api-port', takesValue: true },
  { name: 'registry-mirror', takesValue: true }, { name: 'etcd-disable-snapshots', takesValue: false }, { name: 'config', takesValue: true },
];

const cases: { name: string; yaml: string; cli?: string[]; want: { args: string[] } | { error: RegExp } }[] = [
  { name: 'empty file', yaml: '', want: { args: [] } },
  { name: 'comments only', yaml: '# nothing\n', want: { args: [] } },
  { name: 'scalars', yaml: 'data-dir: /x\nnode-ip: 10.0.0.5\n', want: { args: ['--data-dir', '/x', '--node-ip', '10.0.0.5'] } },
  { name: 'number becomes text', yaml: 'api-port: 7443\n', want: { args: ['--api-port', '7443'] } },
  { name: 'list repeats the flag', yaml: 'registry-mirror:\n  - docker.io=http://127.0.0.1:5000\n  - quay.io=http://127.0.0.1:5001\n',
    want: { args: ['--registry-mirror', 'docker.io=http://127.0.0.1:5000', '--registry-mirror', 'quay.io=http://127.0.0.1:5001'] } },
  { name: 'switch true', yaml: 'etcd-disable-snapshots: true\n', want: { args: ['--etcd-disable-snapshots'] } },
  { name: 'switch false', yaml: 'etcd-disable-snapshots: false\n', want: { args: [] } },
  { name: 'null value is skipped', yaml: 'node-ip:\n', want: { args: [] } },
  { name: 'command line wins (scalar)', yaml: 'data-dir: /x\nnode-ip: 10.0.0.5\n', cli: ['--data-dir', '/y'], want: { args: ['--node-ip', '10.0.0.5'] } },
  { name: 'command line wins (--flag=v)', yaml: 'data-dir: /x\n', cli: ['--data-dir=/y'], want: { args: [] } },
  { name: 'command line wins (list)', yaml: 'registry-mirror: [a=http://h]\n', cli: ['--registry-mirror', 'b=http://h'], want: { args: [] } },
  { name: 'unknown key', yaml: 'data-dir: /x\nnode-ipp: 1.2.3.4\n', want: { error: /unknown key "node-ipp"/ } },
  { name: 'dashed key is unknown', yaml: '--data-dir: /x\n', want: { error: /unknown key "--data-dir"/ } },
  { name: 'config inside config', yaml: 'config: /other.yaml\n', want: { error: /key "config"/ } },
  { name: 'switch with a string', yaml: 'etcd-disable-snapshots: yes please\n', want: { error: /key "etcd-disable-snapshots" is a switch/ } },
  { name: 'nested mapping', yaml: 'data-dir:\n  a: b\n', want: { error: /key "data-dir": values must be/ } },
  { name: 'top-level list', yaml: '- data-dir\n', want: { error: /must be a mapping/ } },
  { name: 'bad YAML', yaml: 'data-dir: [unclosed\n', want: { error: /not valid YAML/ } },
];

for (const c of cases) {
  test(`configFileArgs: ${c.name}`, () => {
    const got = configFileArgs(c.yaml, flags, c.cli ?? []);
    if ('error' in c.want) {
      assert.ok('error' in got, `expected an error, got ${JSON.stringify(got)}`);
      assert.match(got.error, c.want.error);
    } else {
      assert.deepEqual(got, c.want);
    }
  });
}

test('takeConfigFlag: both spellings, missing value, stops at --', () => {
  assert.deepEqual(takeConfigFlag(['--config', '/a.yaml', '--node-ip', '1.2.3.4']), { path: '/a.yaml', rest: ['--node-ip', '1.2.3.4'] });
  assert.deepEqual(takeConfigFlag(['--config=/b.yaml']), { path: '/b.yaml', rest: [] });
  assert.deepEqual(takeConfigFlag(['--node-ip', '1.2.3.4']), { rest: ['--node-ip', '1.2.3.4'] });
  assert.deepEqual(takeConfigFlag(['--config']), { error: 'option --config needs a file path' });
  assert.deepEqual(takeConfigFlag(['--', '--config', 'x']), { rest: ['--', '--config', 'x'] });
});

function program(calls: ServerConfig[]) {
  const none = async (): Promise<void> => {};
  const actions: CliActions = {
    server: async (cfg) => { calls.push(cfg); }, apiserver: none, scheduler: none, controllerManager: none, kubelet: none, hollowNodes: none, proxy: none, proxyCleanup: none, check: none, agent: none, logging: () => {},
    etcdSnapshot: { save: none, list: none, delete: none, prune: none, restore: none },
  };
  const p = addConfigOption(buildProgram(actions, { hostname: 'test-host' }));
  for (const c of [p, ...p.commands]) c.exitOverride();
  return p;
}

const files = (m: Record<string, string>) => ({ exists: (p: string) => p in m, read: (p: string) => m[p] ?? '' });

test('expandConfigFile + the real program: file values, command line wins, default file', async () => {
  const calls: ServerConfig[] = [];
  const p = program(calls);
  const io = files({ '/etc/skiff/config.yaml': 'data-dir: /srv/skiff\nnode-ip: 10.0.0.5\nregistry-mirror: [docker.io=http://127.0.0.1:5000]\n' });
  const argv = expandConfigFile(['node', 'skiff', 'server', '--node-ip', '10.0.0.9'], p, io);
  assert.deepEqual(argv, ['node', 'skiff', 'server', '--data-dir', '/srv/skiff', '--registry-mirror', 'docker.io=http://127.0.0.1:5000', '--node-ip', '10.0.0.9']);
  await p.parseAsync(argv);
  assert.equal(calls[0]?.dataDir, '/srv/skiff');
  assert.equal(calls[0]?.nodeIP, '10.0.0.9');
  assert.deepEqual(calls[0]?.registryMirrors.map((m) => m.host), ['docker.io']);
});

test('expandConfigFile: lb-pool in config.yaml reaches the server config', async () => {
  const calls: ServerConfig[] = [];
  const p = program(calls);
  const argv = expandConfigFile(['node', 'skiff', 'server'], p, files({ '/etc/skiff/config.yaml': 'lb-pool: 192.168.1.240-192.168.1.250,192.168.1.0/30\n' }));
  await p.parseAsync(argv);
  assert.equal(calls[0]?.lbPool, '192.168.1.240-192.168.1.250,192.168.1.0/30');
});

test('expandConfigFile: --config names the file; a missing one, or an unknown key, is an error naming it', () => {
  const p = program([]);
  const io = files({ '/tmp/c.yaml': 'api-port: 7443\n', '/tmp/bad.yaml': 'apiport: 1\n' });
  assert.deepEqual(expandConfigFile(['node', 'skiff', 'server', '--config', '/tmp/c.yaml'], p, io), ['node', 'skiff', 'server', '--api-port', '7443']);
  assert.throws(() => expandConfigFile(['node', 'skiff', 'server', '--config', '/tmp/none.yaml'], p, io), /config file \/tmp\/none\.yaml does not exist/);
  assert.throws(() => expandConfigFile(['node', 'skiff', 'server', '--config=/tmp/bad.yaml'], p, io), /config file \/tmp\/bad\.yaml: unknown key "apiport"/);
});

test('expandConfigFile: other subcommands and no file leave argv alone', () => {
  const p = program([]);
  const io = files({ '/etc/skiff/config.yaml': 'data-dir: /srv/skiff\n' });
  assert.deepEqual(expandConfigFile(['node', 'skiff', 'kubelet', '--port', '1'], p, io), ['node', 'skiff', 'kubelet', '--port', '1']);
  assert.deepEqual(expandConfigFile(['node', 'skiff', 'server'], p, files({})), ['node', 'skiff', 'server']);
  assert.deepEqual(expandConfigFile(['node', 'skiff'], p, io), ['node', 'skiff']);
});

test('flagSpecs: value flags and switches of the real server command', () => {
  const server = program([]).commands.find((c) => c.name() === 'server');
  assert.ok(server);
  const specs = flagSpecs(server);
  assert.deepEqual(specs.find((s) => s.name === 'data-dir'), { name: 'data-dir', takesValue: true });
  assert.ok(specs.some((s) => s.name === 'config'));
  assert.ok(!specs.some((s) => s.name === 'help'));
});

test('config file: `agent-token:` reaches the server as --agent-token (k3s config.yaml key); absent, none is set', async () => {
  const calls: ServerConfig[] = [];
  const p = program(calls);
  const argv = expandConfigFile(['node', 'skiff', 'server'], p, files({ '/etc/skiff/config.yaml': 'agent-token: abcdef.0123456789abcdef\n' }));
  assert.deepEqual(argv, ['node', 'skiff', 'server', '--agent-token', 'abcdef.0123456789abcdef']);
  await p.parseAsync(argv);
  assert.equal(calls[0]?.agentToken, 'abcdef.0123456789abcdef');
  await program(calls).parseAsync(['node', 'skiff', 'server']);
  assert.equal(calls[1]?.agentToken, undefined);
});
