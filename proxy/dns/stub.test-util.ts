/**
 * Helper processes for stub.real.test.ts, each run inside a test namespace
 * with `nsenter --net=... node --import tsx stub.test-util.ts <mode> ...`:
 * - `stub <host> <port> <ip>`: a tiny DNS server (dns-packet over UDP)
 *   answering every A question with `ip` (TTL 300); prints `ready`, then
 *   `q <name>` for each query it receives;
 * - `cluster <host> <port>`: the cluster DNS server (runClusterDNS) over a
 *   FakeClient with no Services and an empty resolv.conf; each stdin line
 *   is the JSON `data` of the ConfigMap kube-system/kube-dns (created, then
 *   updated through the client, so the server sees it through its informer);
 *   prints `ready` once listening and `applied` after each write.
 */
import dgram from 'node:dgram';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import dnsPacket from 'dns-packet';
import type { ConfigMap, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { ConfigMaps, EndpointSlices, Namespaces, Services } from '../../apiserver/client/resources.ts';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { quietLogger } from '../../testutil/log.ts';
import { DNS_CONFIGMAP_FIELD_SELECTOR, DNS_CONFIGMAP_NAME, DNS_CONFIGMAP_NAMESPACE } from './config-source.ts';
import { runClusterDNS } from './run.ts';

const [mode = '', host = '', port = '', ip = ''] = process.argv.slice(2);

function stub(): void {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    console.log(`q ${name}`);
    sock.send(dnsPacket.encode({
      type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions,
      answers: q.questions?.[0]?.type === 'A' ? [{ name, type: 'A', class: 'IN', ttl: 300, data: ip }] : [],
    }), rinfo.port, rinfo.address);
  });
  sock.bind(Number(port), host, () => console.log('ready'));
}

async function cluster(): Promise<void> {
  const log = quietLogger('dns');
  const dir = await mkdtemp(join(tmpdir(), 'skiff-stubdns-'));
  const resolvConf = join(dir, 'resolv.conf');
  await writeFile(resolvConf, '# no nameserver: every forwarded name goes where the ConfigMap says\n');
  const client = new FakeClient();
  await client.create(Namespaces, { metadata: { name: DNS_CONFIGMAP_NAMESPACE } }).catch(() => undefined); // a FakeClient may hold it already
  const factory = createInformerFactory(client, log);
  const services = factory.for<Service>(Services);
  const slices = factory.for<EndpointSlice>(EndpointSlices, { labelSelector: 'kubernetes.io/service-name' });
  const configMaps = factory.for<ConfigMap>(ConfigMaps, { namespace: DNS_CONFIGMAP_NAMESPACE, fieldSelector: DNS_CONFIGMAP_FIELD_SELECTOR });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.synced();
  void runClusterDNS({
    services, slices, configMaps, nodeName: 'n1', host, port: Number(port), clusterDomain: 'cluster.local', clusterDNS: '10.96.0.10',
    clientCIDRs: ['10.244.0.0/16'], resolvConfPath: resolvConf, upstreamTimeoutMs: 1000, log, onListening: () => console.log('ready'),
  }, ac.signal);
  let current: ConfigMap | undefined;
  for await (const line of createInterface({ input: process.stdin })) {
    const data = JSON.parse(line) as Record<string, string>;
    current = current
      ? await client.update<ConfigMap>(ConfigMaps, { ...current, data }, DNS_CONFIGMAP_NAMESPACE)
      : await client.create<ConfigMap>(ConfigMaps, { metadata: { name: DNS_CONFIGMAP_NAME, namespace: DNS_CONFIGMAP_NAMESPACE }, data }, DNS_CONFIGMAP_NAMESPACE);
    console.log('applied');
  }
  ac.abort();
}

if (mode === 'stub') stub();
else if (mode === 'cluster') await cluster();
