/**
 * Acceptance test (issue 8): the same Service steps as services.e2e.ts
 * (services-steps.ts: NodePort through every node, ClientIP affinity,
 * externalTrafficPolicy Local source IP and health check, UDP across an
 * endpoint change), every proxy in `--proxy-mode nftables`.
 */
import { servicesSuite } from './services-steps.ts';

servicesSuite('nftables');
