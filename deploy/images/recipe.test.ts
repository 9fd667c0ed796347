import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, groupFile, lddMissing, nginxConf, nginxIndexPage, parseBusyboxList, parseLdd, passwdFile, IMAGES } from './recipe.ts';
import { configArgs } from './umoci.ts';
import { nsWrap } from './exec.ts';
import { registryConfig } from './registry.ts';

const LDD = `	linux-vdso.so.1 (0x00007ffd)
	libcrypt.so.1 => /lib/x86_64-linux-gnu/libcrypt.so.1 (0x00007f96f7380000)
	libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007f96f723d000)
	libfoo.so.9 => not found
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f96f6a1e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f96f7523000)
`;

describe('parseLdd', () => {
  const cases: Array<{ name: string; input: string; want: string[] }> = [
    {
      name: 'typical nginx output',
      input: LDD,
      want: [
        '/lib/x86_64-linux-gnu/libcrypt.so.1',
        '/lib/x86_64-linux-gnu/libssl.so.3',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
    },
    { name: 'empty', input: '', want: [] },
    { name: 'static binary', input: '\tnot a dynamic executable\n', want: [] },
    { name: 'duplicates collapse', input: 'a => /x/a.so (0x1)\na => /x/a.so (0x1)\n', want: ['/x/a.so'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parseLdd(c.input), c.want));
  }
  it('lddMissing names the unresolved libraries', () => {
    assert.deepEqual(lddMissing(LDD), ['libfoo.so.9']);
    assert.deepEqual(lddMissing('libc.so.6 => /lib/libc.so.6 (0x1)'), []);
  });
});

describe('parseBusyboxList', () => {
  it('keeps applet paths, drops busybox itself, blanks, absolute prefixes and ..', () => {
    assert.deepEqual(parseBusyboxList('bin/sh\nbin/busybox\n\n/usr/bin/env\nusr/bin/../../etc/x\nbin/sh\n'), ['bin/sh', 'usr/bin/env']);
  });
});

describe('cacheKey', () => {
  it('is stable under input order and changes with content', () => {
    const a = cacheKey([{ label: 'x', data: '1' }, { label: 'y', data: Buffer.from('2') }]);
    const b = cacheKey([{ label: 'y', data: '2' }, { label: 'x', data: '1' }]);
    const c = cacheKey([{ label: 'x', data: '1' }, { label: 'y', data: '3' }]);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.match(a, /^[0-9a-f]{64}$/);
  });
  it('does not let content slide across label boundaries', () => {
    assert.notEqual(cacheKey([{ label: 'a', data: 'bc' }]), cacheKey([{ label: 'ab', data: 'c' }]));
  });
});

describe('file contents', () => {
  it('passwd and group carry www-data and nobody', () => {
    assert.match(passwdFile(), /^www-data:x:33:33:/m);
    assert.match(passwdFile(), /^nobody:x:65534:65534:/m);
    assert.match(groupFile(), /^www-data:x:33:$/m);
    assert.match(groupFile(), /^nogroup:x:65534:$/m);
  });
  it('nginx.conf listens on 80, serves the html root and leaves daemon to the cmd', () => {
    const conf = nginxConf('1.23');
    assert.match(conf, /listen 80 default_server;/);
    assert.match(conf, /root \/usr\/share\/nginx\/html;/);
    assert.match(conf, /X-Skiff-Image "nginx:1\.23"/);
    assert.doesNotMatch(conf, /^\s*daemon /m);
  });
  it('the fallback page says Welcome to nginx!', () => {
    assert.match(nginxIndexPage('1.22'), /Welcome to nginx!/);
  });
  it('pause is pushed without library/ (registry.k8s.io mirrors keep the path)', () => {
    assert.deepEqual(
      IMAGES.map((i) => `${i.repository}:${i.tag}`),
      ['pause:3.9', 'library/busybox:1.36', 'library/nginx:1.22', 'library/nginx:1.23', 'library/curl:7.88'],
    );
  });
});

describe('command rendering', () => {
  it('configArgs clears and repeats list flags', () => {
    assert.deepEqual(configArgs({ entrypoint: [], cmd: ['nginx', '-g', 'daemon off;'], stopSignal: 'SIGQUIT', env: ['A=1'] }), [
      '--clear=config.entrypoint',
      '--clear=config.cmd',
      '--config.cmd=nginx',
      '--config.cmd=-g',
      '--config.cmd=daemon off;',
      '--config.env=A=1',
      '--config.stopsignal=SIGQUIT',
    ]);
  });
  it('nsWrap enters only the network namespace', () => {
    assert.deepEqual(nsWrap(undefined, 'curl', ['x']), ['curl', ['x']]);
    assert.deepEqual(nsWrap('n1', 'curl', ['x']), ['nsenter', ['--net=/run/netns/n1', '--', 'curl', 'x']]);
  });
  it('registryConfig has storage and addr and no auth block', () => {
    const cfg = registryConfig('/tmp/r', '127.0.0.1:5000');
    assert.match(cfg, /rootdirectory: \/tmp\/r/);
    assert.match(cfg, /addr: 127\.0\.0\.1:5000/);
    assert.doesNotMatch(cfg, /auth:/);
  });
});
