/**
 * The NetworkPolicy rule model of one node: what decide.ts computes from
 * (policies, pods, namespaces, node) and render.ts turns into nftables
 * text. Addresses are IPv4 pod IPs (sorted numerically) or CIDR strings;
 * everything is plain data, so decide and render are pure and comparable.
 */

/** Which side of a connection a policy chain guards. */
export type Direction = 'ingress' | 'egress';

/** The L4 protocol of a port match (nftables spelling). */
export type L4Proto = 'tcp' | 'udp' | 'sctp';

/**
 * The peer an allow rule admits: any address; a set of pod IPs (never
 * empty: a peer that selects no pod matches nothing and gets no rule); or an
 * ipBlock (IPv4 or IPv6 CIDR) minus its except CIDRs. For ingress the peer is
 * the packet's source, for egress its destination.
 */
export type PeerMatch =
  | { kind: 'any' }
  | { kind: 'pods'; ips: string[] }
  | { kind: 'block'; cidr: string; except: string[] };

/**
 * The destination port an allow rule admits: any port and protocol; or one
 * protocol and, optionally, a port (or the inclusive range port..endPort;
 * no port means every port of that protocol). A named port
 * resolved against pods becomes one match per resolved number, with `to`
 * the destination pod IPs (never empty) where the name means that number.
 */
export type PortMatch =
  | { kind: 'any' }
  | { kind: 'port'; protocol: L4Proto; port?: number; endPort?: number; to?: string[] };

/** One accept rule: the peer AND the port. `rule` is the index in spec.ingress / spec.egress (for the comment). */
export interface AllowRule {
  rule: number;
  peer: PeerMatch;
  port: PortMatch;
}

/**
 * One policy's chain for one direction on this node: the local pods it
 * selects (`targets`, non-empty, sorted) and its accept rules, in spec order.
 * No rules means the policy only isolates its targets.
 */
export interface PolicyChain {
  /** `namespace/name` of the NetworkPolicy. */
  policy: string;
  direction: Direction;
  targets: string[];
  rules: AllowRule[];
}

/**
 * The whole model: per direction, the chains of every policy that selects
 * at least one local pod for that direction, sorted by policy key. A local
 * pod is isolated for a direction exactly when it is a target of one of its
 * chains; it may then send/receive only what some chain accepts (union).
 */
export interface NetpolModel {
  ingress: PolicyChain[];
  egress: PolicyChain[];
}
