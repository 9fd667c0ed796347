/**
 * host-gw pod routing, the acting half: read the main table's IPv4 routes
 * and apply a RoutePlan with `ip route replace|del ... proto 250`, through
 * the proxy's injected Exec (so tests run it inside a network namespace).
 */
import { mustExec, type Exec } from '../exec.ts';
import { canonicalIPv4CIDR, ROUTE_PROTO, type Route, type RoutePlan } from './decide.ts';

/** One entry of `ip -j route show` (the fields we read). */
interface IpJsonRoute {
  dst?: string;
  gateway?: string;
  protocol?: string;
  type?: string;
}

/**
 * Parses `ip -4 -N -j route show table main` (numeric protocols) into Routes.
 * Skips the default route and entries without a parsable dst; a missing
 * protocol (iproute2 omits "boot") counts as 3. Pure; throws on non-JSON input.
 */
export function parseRoutes(json: string): Route[] {
  const entries = JSON.parse(json === '' ? '[]' : json) as IpJsonRoute[];
  const out: Route[] = [];
  for (const e of entries) {
    const dst = e.dst === undefined || e.dst === 'default' ? undefined : canonicalIPv4CIDR(e.dst);
    if (dst === undefined) continue;
    const proto = e.protocol === undefined ? 3 : Number(e.protocol);
    out.push({ dst, proto: Number.isInteger(proto) ? proto : -1, ...(e.gateway ? { via: e.gateway } : {}) });
  }
  return out;
}

/** Lists the main table's IPv4 routes. Throws if `ip` fails. */
export async function listRoutes(exec: Exec): Promise<Route[]> {
  const r = await mustExec(exec, 'ip', ['-4', '-N', '-j', 'route', 'show', 'table', 'main']);
  return parseRoutes(r.stdout.trim());
}

/** The `ip` argument lists that carry out a plan, in order (removals first). Pure. */
export function planCommands(plan: RoutePlan): string[][] {
  const proto = String(ROUTE_PROTO);
  return [
    ...plan.remove.map((r) => ['route', 'del', r.dst, 'proto', proto]),
    ...plan.replace.map((r) => ['route', 'replace', r.dst, 'via', r.via, 'proto', proto]),
  ];
}

/**
 * Runs every command of the plan, continuing past failures (one node's
 * unreachable gateway must not keep the others unrouted), and returns the
 * failures as values: `ip route replace` fails with "Nexthop has invalid
 * gateway" when the node IP is not on-link (nodes not on one L2 segment).
 * A `del` of a route that is already gone counts as done.
 */
export async function applyRoutePlan(exec: Exec, plan: RoutePlan): Promise<string[]> {
  const errors: string[] = [];
  for (const args of planCommands(plan)) {
    const r = await exec('ip', args);
    if (r.exitCode === 0) continue;
    if (args[1] === 'del' && /No such process/.test(r.stderr)) continue;
    errors.push(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return errors;
}

/** Deletes every route with proto ROUTE_PROTO from the main table (`skiff proxy --cleanup`). Idempotent. Throws if listing fails. */
export async function removeOwnedRoutes(exec: Exec): Promise<void> {
  const owned = (await listRoutes(exec)).filter((r) => r.proto === ROUTE_PROTO);
  await applyRoutePlan(exec, { replace: [], remove: owned.map((r) => ({ dst: r.dst })), skipped: [] });
}
