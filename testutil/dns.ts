/**
 * A one-shot DNS client for tests: one A query over UDP to a loopback
 * server, built on dns-packet.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

/** One A query for `name` to 127.0.0.1:`port`: the first A address, or undefined when no answer came within 1 s (1,000 ms). */
export function udpA(port: number, name: string): Promise<string | undefined> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    const t = setTimeout(() => { sock.close(); resolve(undefined); }, 1000);
    sock.on('message', (m) => {
      clearTimeout(t);
      sock.close();
      const a = dnsPacket.decode(m).answers?.find((x) => x.type === 'A');
      resolve(a && a.type === 'A' ? a.data : undefined);
    });
    sock.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
  });
}
