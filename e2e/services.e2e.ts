/**
 * Acceptance test (issue 8): Services from the laptop through a three-node
 * cluster (services-steps.ts), proxies in SKIFF_E2E_PROXY_MODE (iptables by
 * default; services-nftables.e2e.ts covers nftables in CI).
 */
import { e2eProxyMode } from './harness/multi-cluster.ts';
import { servicesSuite } from './services-steps.ts';

servicesSuite(e2eProxyMode());
