/**
 * Kernel settings the iptables proxy depends on.
 */
import type { Logger } from '../apiserver/api/log.ts';
import { mustExec, type Exec } from './exec.ts';

/** The bridge netfilter switch: bridged (same-node pod → pod) packets traverse iptables. */
export const BRIDGE_NF_CALL_IPTABLES = 'net.bridge.bridge-nf-call-iptables';

/**
 * Makes sure bridged IPv4 traffic goes through iptables, as kube-proxy
 * requires: without it, a pod calling a Service whose backend sits on the same
 * CNI bridge gets the reply straight over the bridge, un-DNATed, and the
 * connection hangs (measured). Sets the sysctl to 1 when it is 0; logs a
 * warning (does not throw) when br_netfilter is not loaded. Idempotent.
 */
export async function ensureBridgeNetfilter(exec: Exec, log: Logger): Promise<void> {
  const r = await exec('sysctl', ['-n', BRIDGE_NF_CALL_IPTABLES]);
  if (r.exitCode !== 0) {
    log.warn('br_netfilter is not loaded: same-node pod -> Service -> pod traffic will fail', { stderr: r.stderr.trim() });
    return;
  }
  if (r.stdout.trim() === '1') return;
  await mustExec(exec, 'sysctl', ['-qw', `${BRIDGE_NF_CALL_IPTABLES}=1`]);
  log.info(`set ${BRIDGE_NF_CALL_IPTABLES}=1`);
}

/** IPv4 forwarding: a node port or external IP whose endpoint is on another node is forwarded there. */
export const IP_FORWARD = 'net.ipv4.ip_forward';

/**
 * Turns IPv4 forwarding on when it is off (k3s's agent does the same at
 * start). Without it a node with no pods of its own (so the CNI bridge plugin
 * never turned it on) accepts a NodePort connection, DNATs it to a pod on
 * another node, and then drops it (measured in e2e/services.e2e.ts).
 * Idempotent; throws if sysctl fails.
 */
export async function ensureIPForward(exec: Exec, log: Logger): Promise<void> {
  const r = await mustExec(exec, 'sysctl', ['-n', IP_FORWARD]);
  if (r.stdout.trim() === '1') return;
  await mustExec(exec, 'sysctl', ['-qw', `${IP_FORWARD}=1`]);
  log.info(`set ${IP_FORWARD}=1`);
}
