/**
 * Pod masquerade for host-gw networking: SNAT only the traffic that leaves
 * the cluster CIDR. Pod → pod stays un-NATed on every node (the receiver sees
 * the sender's pod IP), and pod → anything else (node addresses, the LAN, the
 * internet) leaves with the node's address. This replaces the CNI bridge
 * plugin's `ipMasq`, which exempts only the pod's OWN node subnet and so would
 * masquerade pod → pod traffic to other nodes; the kubelet's conflist sets
 * `ipMasq: false` (kubelet/cni.ts). Same rule set as flannel's `--ip-masq`
 * (flannel pkg/trafficmngr/iptables MasqRules: `-s C -d C RETURN`,
 * `-s C ! -d 224.0.0.0/4 MASQUERADE --random-fully`).
 */
import { mustExec, type Exec } from '../exec.ts';

/** Our nat chain, hooked at the END of POSTROUTING (after KUBE-POSTROUTING, which must stay first). */
export const POD_MASQ_CHAIN = 'SKIFF-POD-MASQ';

const JUMP = ['-m', 'comment', '--comment', 'skiff pod masquerade', '-j', POD_MASQ_CHAIN];
const WAIT = ['-w', '5'];

/** Renders the `iptables-restore --noflush` payload (re)writing the chain for `clusterCIDR`. Pure. */
export function renderPodMasquerade(clusterCIDR: string): string {
  return [
    '*nat',
    `:${POD_MASQ_CHAIN} - [0:0]`,
    `-A ${POD_MASQ_CHAIN} -s ${clusterCIDR} -d ${clusterCIDR} -m comment --comment "pod to pod: no NAT" -j RETURN`,
    `-A ${POD_MASQ_CHAIN} -s ${clusterCIDR} -d 224.0.0.0/4 -m comment --comment "multicast: no NAT" -j RETURN`,
    `-A ${POD_MASQ_CHAIN} -s ${clusterCIDR} -m comment --comment "pods leaving the cluster CIDR" -j MASQUERADE --random-fully`,
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * Writes the chain (one atomic restore; declaring it flushes the old rules)
 * and appends the POSTROUTING jump unless present. Idempotent. Throws if
 * iptables fails.
 */
export async function ensurePodMasquerade(exec: Exec, clusterCIDR: string): Promise<void> {
  await mustExec(exec, 'iptables-restore', ['--noflush'], renderPodMasquerade(clusterCIDR));
  const has = await exec('iptables', [...WAIT, '-t', 'nat', '-C', 'POSTROUTING', ...JUMP]);
  if (has.exitCode !== 0) await mustExec(exec, 'iptables', [...WAIT, '-t', 'nat', '-A', 'POSTROUTING', ...JUMP]);
}

/** Removes the jump and the chain; no error when they are absent. */
export async function removePodMasquerade(exec: Exec): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if ((await exec('iptables', [...WAIT, '-t', 'nat', '-D', 'POSTROUTING', ...JUMP])).exitCode !== 0) break;
  }
  await exec('iptables', [...WAIT, '-t', 'nat', '-F', POD_MASQ_CHAIN]);
  await exec('iptables', [...WAIT, '-t', 'nat', '-X', POD_MASQ_CHAIN]);
}
