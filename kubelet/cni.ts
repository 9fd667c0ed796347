/**
 * The node's CNI network config: one conflist named `skiff` with the bridge
 * plugin (cni0, host-local IPAM over the node's podCIDR) and portmap for
 * hostPorts. containerd adds the loopback network itself.
 *
 * `ipMasq` is off: the bridge plugin's own masquerade exempts only this
 * node's podCIDR, so it would SNAT pod → pod traffic to other nodes. The
 * proxy masquerades instead, only what leaves the cluster CIDR
 * (proxy/routes/masq.ts, flannel's rule set).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name the conflist is written to inside cniConfDir. */
export const CNI_CONFLIST_FILE = '10-skiff.conflist';

/** First host address of an IPv4 CIDR ('10.244.1.0/24' → '10.244.1.1'); throws on a malformed CIDR. */
export function cidrGateway(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 30) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const net = Math.floor(ip / 2 ** (32 - bits)) * 2 ** (32 - bits);
  const gw = net + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(gw / 2 ** s) % 256).join('.');
}

/**
 * Renders the conflist JSON text (2-space indent, trailing newline) for a
 * node whose pods get addresses from `podCIDR`. Pure; throws on a bad CIDR.
 * cniVersion 1.0.0 (the installed plugins support 0.1.0..1.0.0).
 */
export function renderCniConfig(podCIDR: string): string {
  const gateway = cidrGateway(podCIDR);
  const conf = {
    cniVersion: '1.0.0',
    name: 'skiff',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: podCIDR, gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
  return JSON.stringify(conf, null, 2) + '\n';
}

/** Writes the conflist atomically (temp file + rename) into `cniConfDir`, creating it. Returns the path. */
export async function writeCniConfig(cniConfDir: string, podCIDR: string): Promise<string> {
  await mkdir(cniConfDir, { recursive: true });
  const path = join(cniConfDir, CNI_CONFLIST_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, renderCniConfig(podCIDR));
  await rename(tmp, path);
  return path;
}
