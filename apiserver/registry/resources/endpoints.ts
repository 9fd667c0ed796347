/**
 * core/v1 endpoints and discovery.k8s.io/v1 endpointslices: name checks, the
 * EndpointSlice addressType rules and the kubectl tables.
 */
import type { Endpoints } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { required, unsupported, validatePortNumber } from '../../api/validation.ts';
import { ageCell, column, standardVerbs, validateMeta } from './common.ts';

/** Joins up to 3 entries, then " + N more..." (kubectl's endpoint printers). */
export function firstThree(items: string[], empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

/** ENDPOINTS cell of core Endpoints: "ip:port" per address and port, or "<none>". */
export function endpointsCell(ep: Endpoints): string {
  const list: string[] = [];
  for (const s of ep.subsets ?? []) {
    const addrs = s.addresses ?? [];
    const ports = s.ports ?? [];
    for (const a of addrs) {
      if (ports.length === 0) list.push(a.ip);
      else for (const p of ports) list.push(`${a.ip}:${p.port}`);
    }
  }
  return firstThree(list, '<none>');
}

/** The endpoints resource definition. */
export function endpointsResource(): ResourceDef<Endpoints> {
  return {
    group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', listKind: 'EndpointsList', singular: 'endpoints',
    namespaced: true, shortNames: ['ep'], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      validate: (ep) => validateMeta(ep.metadata),
      validateUpdate: (ep) => validateMeta(ep.metadata),
    },
    table: {
      columns: [
        column('Endpoints', 'Endpoints of the service'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (ep, now) => [endpointsCell(ep), ageCell(ep, now)],
    },
  };
}

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

/** Validation of an EndpointSlice: addressType required and supported, every endpoint with 1..100 addresses, valid ports. */
export function validateEndpointSlice(s: EndpointSlice): FieldCause[] {
  const out = validateMeta(s.metadata);
  if (!s.addressType) out.push(required('addressType'));
  else if (!addressTypes.includes(s.addressType)) out.push(unsupported('addressType', s.addressType, addressTypes));
  (s.endpoints ?? []).forEach((e, i) => {
    if (!e.addresses || e.addresses.length === 0) out.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
  });
  (s.ports ?? []).forEach((p, i) => {
    if (p.port !== undefined) out.push(...validatePortNumber(`ports[${i}].port`, p.port));
  });
  return out;
}

/** The endpointslices resource definition. */
export function endpointSlicesResource(): ResourceDef<EndpointSlice> {
  return {
    group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', listKind: 'EndpointSliceList',
    singular: 'endpointslice', namespaced: true, shortNames: [], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      prepareForCreate(s) {
        for (const p of s.ports ?? []) p.protocol ??= 'TCP';
        for (const e of s.endpoints ?? []) e.conditions ??= {};
      },
      prepareForUpdate(s) {
        for (const p of s.ports ?? []) p.protocol ??= 'TCP';
        for (const e of s.endpoints ?? []) e.conditions ??= {};
      },
      validate: validateEndpointSlice,
      validateUpdate: validateEndpointSlice,
    },
    table: {
      columns: [
        column('AddressType', 'The IP protocol for this slice'),
        column('Ports', 'Enumerated ports on this slice'),
        column('Endpoints', 'Endpoints on this slice'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (s, now) => [
        s.addressType,
        firstThree((s.ports ?? []).map((p) => (p.port === undefined || p.port === null ? '<unset>' : String(p.port))), '<unset>'),
        firstThree((s.endpoints ?? []).flatMap((e) => e.addresses), '<unset>'),
        ageCell(s, now),
      ],
    },
  };
}
