/**
 * Service ClusterIP, NodePort and healthCheckNodePort allocation. Pure helpers (CIDR arithmetic,
 * candidate order) plus the create/delete hooks, which claim
 * `serviceips/<ip>` and `servicenodeports/<port>` through the store's atomic
 * reserve txn, so concurrent creates never get the same address.
 */
import ipaddr from 'ipaddr.js';
import type { Service } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { StrategyContext, Undo } from '../types.ts';
import { invalid } from '../../api/errors.ts';
import { invalidValue } from '../../api/validation.ts';

/** An IPv4 CIDR as integers: first address, prefix length and number of addresses. */
export interface Cidr4 {
  base: number;
  prefix: number;
  size: number;
  text: string;
}

/** Parses an IPv4 CIDR ("10.96.0.0/12"); the base is the network address. Throws on IPv6 or malformed input. */
export function parseCidr(cidr: string): Cidr4 {
  const [addr, prefix] = ipaddr.parseCIDR(cidr);
  if (addr.kind() !== 'ipv4') throw new Error(`only IPv4 service CIDRs are supported: ${cidr}`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(addr.toString()) / size) * size;
  return { base, prefix, size, text: `${intToIp(base)}/${prefix}` };
}

/** Dotted quad to an unsigned 32-bit integer; throws when not an IPv4 address. */
export function ipToInt(ip: string): number {
  const a = ipaddr.IPv4.parse(ip).octets;
  return ((a[0]! * 256 + a[1]!) * 256 + a[2]!) * 256 + a[3]!;
}

/** Unsigned 32-bit integer to a dotted quad. */
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The n-th address of the CIDR (0 is the network address); throws when outside. */
export function nthAddress(c: Cidr4, n: number): string {
  if (n < 0 || n >= c.size) throw new Error(`offset ${n} outside ${c.text}`);
  return intToIp(c.base + n);
}

/** Offset of `ip` inside the CIDR, or undefined when it is outside or not an IPv4 address. */
export function offsetOf(c: Cidr4, ip: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
  const off = ipToInt(ip) - c.base;
  return off >= 0 && off < c.size ? off : undefined;
}

/** True when `ip` is an assignable service address: inside the range, not network, not broadcast. */
export function isAssignable(c: Cidr4, ip: string): boolean {
  const off = offsetOf(c, ip);
  return off !== undefined && off > 0 && off < c.size - 1;
}

/**
 * Size of the low band kept for statically requested addresses, as
 * Kubernetes' ServiceIPStaticSubrange: min(max(16, size/16), 256).
 */
export function staticBand(c: Cidr4): number {
  return Math.min(Math.max(16, Math.floor(c.size / 16)), 256);
}

/**
 * Picks the first free address for dynamic allocation: first from the upper
 * band (above the static band), then from the lower band, never the network
 * address, the first address (the `kubernetes` Service's) or the broadcast.
 * Returns undefined when the range is full.
 */
export function pickFree(c: Cidr4, taken: ReadonlySet<string>): string | undefined {
  for (const ip of candidates(c)) if (!taken.has(ip)) return ip;
  return undefined;
}

/** Dynamic candidates in allocation order (see pickFree). */
export function* candidates(c: Cidr4): Generator<string> {
  const last = c.size - 2;
  const band = Math.min(staticBand(c), last + 1);
  for (let i = Math.max(band, 2); i <= last; i++) yield nthAddress(c, i);
  for (let i = 2; i < band && i <= last; i++) yield nthAddress(c, i);
}

/** The NodePort range Kubernetes uses by default. */
export const nodePortRange = { min: 30000, max: 32767 };

const ipKey = (ip: string): string => `serviceips/${ip}`;
const portKey = (port: number): string => `servicenodeports/${port}`;
const lastSegment = (k: string): string => k.slice(k.lastIndexOf('/') + 1);

function fail(svc: Service, cause: FieldCause): never {
  throw invalid('Service', '', svc.metadata?.name ?? '', [cause]);
}

/** Whether a service of this type gets a ClusterIP at all. */
export function wantsClusterIP(svc: Service): boolean {
  return (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName';
}

async function allocateClusterIP(svc: Service, ctx: StrategyContext, undo: Undo[]): Promise<void> {
  const spec = svc.spec ?? (svc.spec = {});
  if (!wantsClusterIP(svc)) return;
  const c = parseCidr(ctx.config.serviceCIDR);
  const requested = spec.clusterIP || spec.clusterIPs?.[0] || '';
  if (requested === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return;
  }
  if (requested) {
    if (!isAssignable(c, requested)) {
      fail(svc, invalidValue('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${c.text}`));
    }
    if (!(await ctx.reserve(ipKey(requested), svcRef(svc)))) {
      fail(svc, invalidValue('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: provided IP is already allocated`));
    }
    undo.push(() => ctx.release(ipKey(requested)));
    spec.clusterIP = requested;
    spec.clusterIPs = [requested];
    return;
  }
  const taken = new Set((await ctx.reserved('serviceips/')).map(lastSegment));
  for (const ip of candidates(c)) {
    if (taken.has(ip)) continue;
    if (await ctx.reserve(ipKey(ip), svcRef(svc))) {
      undo.push(() => ctx.release(ipKey(ip)));
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    taken.add(ip);
  }
  fail(svc, invalidValue('spec.clusterIPs', [], `failed to allocate a serviceIP: range is full`));
}

/** Whether a service of this type needs node ports. */
export function wantsNodePorts(svc: Service): boolean {
  const t = svc.spec?.type;
  return t === 'NodePort' || t === 'LoadBalancer';
}

async function allocateNodePorts(svc: Service, ctx: StrategyContext, undo: Undo[]): Promise<void> {
  if (!wantsNodePorts(svc)) return;
  const ports = svc.spec?.ports ?? [];
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    if (!p.nodePort) continue;
    const n = p.nodePort;
    if (n < nodePortRange.min || n > nodePortRange.max) {
      fail(svc, invalidValue(`spec.ports[${i}].nodePort`, n, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}`));
    }
    if (!(await ctx.reserve(portKey(n), svcRef(svc)))) fail(svc, invalidValue(`spec.ports[${i}].nodePort`, n, 'provided port is already allocated'));
    undo.push(() => ctx.release(portKey(n)));
  }
  const taken = new Set((await ctx.reserved('servicenodeports/')).map(lastSegment));
  const span = nodePortRange.max - nodePortRange.min + 1;
  for (const p of ports) {
    if (p.nodePort) continue;
    const start = Math.floor(Math.random() * span);
    for (let k = 0; k < span && !p.nodePort; k++) {
      const n = nodePortRange.min + ((start + k) % span);
      if (taken.has(String(n))) continue;
      taken.add(String(n));
      if (await ctx.reserve(portKey(n), svcRef(svc))) {
        undo.push(() => ctx.release(portKey(n)));
        p.nodePort = n;
      }
    }
    if (!p.nodePort) fail(svc, invalidValue('spec.ports', [], 'failed to allocate a nodePort: range is full'));
  }
}

/**
 * Whether the Service gets a healthCheckNodePort: type LoadBalancer with
 * externalTrafficPolicy Local (Kubernetes' needsHCNodePort,
 * pkg/registry/core/service/storage/alloc.go).
 */
export function needsHealthCheckNodePort(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

/** Claims spec.healthCheckNodePort (the requested one, else a free one) from the node-port range; same errors as node ports. */
async function allocateHealthCheckNodePort(svc: Service, ctx: StrategyContext, undo: Undo[]): Promise<void> {
  const spec = svc.spec ?? (svc.spec = {});
  const n = spec.healthCheckNodePort;
  if (n) {
    if (n < nodePortRange.min || n > nodePortRange.max) {
      fail(svc, invalidValue('spec.healthCheckNodePort', n, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}`));
    }
    if (!(await ctx.reserve(portKey(n), svcRef(svc)))) fail(svc, invalidValue('spec.healthCheckNodePort', n, 'provided port is already allocated'));
    undo.push(() => ctx.release(portKey(n)));
    return;
  }
  const taken = new Set((await ctx.reserved('servicenodeports/')).map(lastSegment));
  const span = nodePortRange.max - nodePortRange.min + 1;
  const start = Math.floor(Math.random() * span);
  for (let k = 0; k < span; k++) {
    const p = nodePortRange.min + ((start + k) % span);
    if (taken.has(String(p))) continue;
    taken.add(String(p));
    if (await ctx.reserve(portKey(p), svcRef(svc))) {
      undo.push(() => ctx.release(portKey(p)));
      spec.healthCheckNodePort = p;
      return;
    }
  }
  fail(svc, invalidValue('spec.healthCheckNodePort', 0, 'failed to allocate a nodePort: range is full'));
}

function svcRef(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/**
 * Create hook: allocates (or claims the requested) ClusterIP and NodePorts,
 * setting spec.clusterIP/clusterIPs and ports[].nodePort. Throws a 422
 * StatusError when a requested value is taken or out of range; everything
 * claimed so far is released first. Returns the undo that releases all.
 */
export async function allocateServiceAddresses(svc: Service, ctx: StrategyContext): Promise<Undo> {
  const undo: Undo[] = [];
  const releaseAll: Undo = async () => {
    for (const u of undo.splice(0).reverse()) await u();
  };
  try {
    await allocateClusterIP(svc, ctx, undo);
    await allocateNodePorts(svc, ctx, undo);
    if (needsHealthCheckNodePort(svc)) await allocateHealthCheckNodePort(svc, ctx, undo);
  } catch (e) {
    await releaseAll();
    throw e;
  }
  return releaseAll;
}

/** Delete hook: releases the service's ClusterIP, NodePorts and healthCheckNodePort (idempotent). */
export async function releaseServiceAddresses(svc: Service, ctx: StrategyContext): Promise<void> {
  const ip = svc.spec?.clusterIP;
  if (ip && ip !== 'None') await ctx.release(ipKey(ip));
  for (const p of svc.spec?.ports ?? []) if (p.nodePort) await ctx.release(portKey(p.nodePort));
  const hc = heldHealthCheckPort(svc);
  if (hc) await ctx.release(portKey(hc));
}

function heldPorts(svc: Service): Set<number> {
  return new Set((svc.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0));
}

function heldHealthCheckPort(svc: Service): number | undefined {
  return needsHealthCheckNodePort(svc) && svc.spec?.healthCheckNodePort ? svc.spec.healthCheckNodePort : undefined;
}

function heldIP(svc: Service): string | undefined {
  const ip = svc.spec?.clusterIP;
  return ip && ip !== 'None' && wantsClusterIP(svc) ? ip : undefined;
}

/**
 * Update hook: claims what the new Service needs and the old one did not
 * hold (a ClusterIP when it stops being ExternalName, node ports when it
 * becomes NodePort/LoadBalancer or gains ports). Same errors as create;
 * returns the undo that releases only the new claims.
 */
export async function updateServiceAddresses(newSvc: Service, oldSvc: Service, ctx: StrategyContext): Promise<Undo> {
  const undo: Undo[] = [];
  const releaseAll: Undo = async () => {
    for (const u of undo.splice(0).reverse()) await u();
  };
  try {
    if (wantsClusterIP(newSvc) && !heldIP(oldSvc) && newSvc.spec?.clusterIP !== 'None') {
      const spec = newSvc.spec ?? (newSvc.spec = {});
      if (oldSvc.spec?.clusterIP === 'None' && !spec.clusterIP) spec.clusterIP = 'None';
      else await allocateClusterIP(newSvc, ctx, undo);
    }
    if (wantsNodePorts(newSvc)) {
      const old = heldPorts(oldSvc);
      const ports = newSvc.spec?.ports ?? [];
      const fresh = ports.filter((p) => !p.nodePort || !old.has(p.nodePort));
      const probe: Service = { metadata: newSvc.metadata ?? {}, spec: { type: newSvc.spec?.type ?? 'NodePort', ports: fresh } };
      await allocateNodePorts(probe, ctx, undo);
    }
    if (needsHealthCheckNodePort(newSvc) && (!newSvc.spec?.healthCheckNodePort || newSvc.spec.healthCheckNodePort !== heldHealthCheckPort(oldSvc))) {
      await allocateHealthCheckNodePort(newSvc, ctx, undo);
    }
  } catch (e) {
    await releaseAll();
    throw e;
  }
  return releaseAll;
}

/** After an update: releases the old ClusterIP, node ports and healthCheckNodePort the new Service no longer holds (idempotent). */
export async function releaseDroppedAddresses(newSvc: Service, oldSvc: Service, ctx: StrategyContext): Promise<void> {
  const oldIP = heldIP(oldSvc);
  if (oldIP && heldIP(newSvc) !== oldIP) await ctx.release(ipKey(oldIP));
  const keep = wantsNodePorts(newSvc) ? heldPorts(newSvc) : new Set<number>();
  const newHC = heldHealthCheckPort(newSvc);
  if (newHC) keep.add(newHC);
  const old = heldPorts(oldSvc);
  const oldHC = heldHealthCheckPort(oldSvc);
  if (oldHC) old.add(oldHC);
  for (const n of old) if (!keep.has(n)) await ctx.release(portKey(n));
}
