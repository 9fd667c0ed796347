/**
 * Accept-header negotiation for discovery: picks the aggregated
 * APIGroupDiscoveryList (v2 or v2beta1) when the client lists it before any
 * plain JSON choice, as client-go's discovery client does.
 */

/** The discovery form to answer with. */
export type DiscoveryForm = { aggregated: true; version: 'v2' | 'v2beta1'; contentType: string } | { aggregated: false };

/** Content type of the aggregated discovery answer for a version. */
export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/**
 * Walks the Accept choices in order (ignoring q-values, which kubectl never
 * sends): the first aggregated JSON choice with v=v2 or v2beta1 wins; a plain
 * JSON or wildcard choice before it means the legacy form.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryForm {
  for (const choice of (accept ?? '').split(',')) {
    const [typ, ...rest] = choice.split(';').map((s) => s.trim());
    const params = new Map(rest.map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [p.toLowerCase(), ''] as const : [p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim()] as const;
    }));
    const t = (typ ?? '').toLowerCase();
    if (t !== 'application/json' && t !== '*/*' && t !== 'application/*') continue;
    if (params.get('as') === 'APIGroupDiscoveryList' && params.get('g') === 'apidiscovery.k8s.io') {
      const v = params.get('v');
      if (v === 'v2' || v === 'v2beta1') return { aggregated: true, version: v, contentType: aggregatedContentType(v) };
      continue;
    }
    if (!params.has('as')) return { aggregated: false };
  }
  return { aggregated: false };
}
