/**
 * Kubernetes' wire forms of time (meta/v1 Time and MicroTime), the one copy
 * for the server, the client and the components.
 */

/** meta/v1 Time: RFC 3339 with second precision, UTC ('2026-11-22T03:33:35Z'), as Kubernetes serialises it. `ms` is ms since epoch. */
export function rfc3339(ms: number): string {
  // toISOString always ends in '.sssZ': dropping those 5 characters is the regex replace, without the regex.
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -5)}Z`;
}

/** meta/v1 MicroTime: RFC 3339 with microseconds, UTC ('2026-11-22T03:33:35.123000Z'), as Leases and events.k8s.io use. `ms` is ms since epoch. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
