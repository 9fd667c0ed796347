/**
 * Docker-link style service environment variables (kubelet's
 * getServiceEnvVarMap / envvars.FromServices): for every Service with a
 * cluster IP in the pod's namespace (only when enableServiceLinks is not
 * false), and always for `default/kubernetes`.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1';

const envName = (s: string): string => s.toUpperCase().replace(/-/g, '_');

/** Variables of one service, in Kubernetes' order. */
function varsOf(svc: Service): [string, string][] {
  const ip = svc.spec?.clusterIP;
  const ports = svc.spec?.ports ?? [];
  if (!ip || ip === 'None' || ports.length === 0) return [];
  const n = envName(svc.metadata?.name ?? '');
  const out: [string, string][] = [[`${n}_SERVICE_HOST`, ip], [`${n}_SERVICE_PORT`, String(ports[0].port)]];
  for (const p of ports) if (p.name) out.push([`${n}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  const first = ports[0];
  const proto0 = (first.protocol ?? 'TCP').toLowerCase();
  out.push([`${n}_PORT`, `${proto0}://${ip}:${first.port}`]);
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP');
    const prefix = `${n}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([prefix, `${proto.toLowerCase()}://${ip}:${p.port}`], [`${prefix}_PROTO`, proto.toLowerCase()], [`${prefix}_PORT`, String(p.port)], [`${prefix}_ADDR`, ip]);
  }
  return out;
}

/** Service env vars for `pod` given all known services (pure). */
export function serviceEnvVars(pod: Pod, services: Service[]): [string, string][] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const picked = services
    .filter((s) => (links && s.metadata?.namespace === ns) || (s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes'))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return picked.flatMap(varsOf);
}
