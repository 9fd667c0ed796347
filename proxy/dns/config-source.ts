/**
 * The forwarding configuration in force, followed from the ConfigMap
 * `kube-system/kube-dns` through one informer (narrowed to that object):
 * each event re-reads the cached object, parses it (config.ts) and logs its
 * warnings once per resourceVersion; the first query reads it too, so a
 * cache filled before this source was made counts. Level based: a missed
 * event only delays the change to the next one; deleting the ConfigMap
 * returns to the defaults; a bad key keeps its previous value. Without an
 * informer the configuration is the default one.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import { applyDNSConfig, DEFAULT_DNS_CONFIG, parseDNSConfig, type DNSConfig } from './config.ts';

/** Where the configuration lives (kube-dns's ConfigMap; Kubernetes docs "Customizing DNS Service"). */
export const DNS_CONFIGMAP_NAMESPACE = 'kube-system';
export const DNS_CONFIGMAP_NAME = 'kube-dns';
/** The field selector that narrows an informer to that ConfigMap (also what lets a resourceNames-scoped Role allow list/watch). */
export const DNS_CONFIGMAP_FIELD_SELECTOR = `metadata.name=${DNS_CONFIGMAP_NAME}`;

/** Follows the ConfigMap (see the file doc). */
export class DNSConfigSource {
  private current: DNSConfig = DEFAULT_DNS_CONFIG;
  private stale = true;
  /** The resourceVersion last parsed (a relist's unchanged object is not parsed, nor its warnings logged, again). */
  private seenVersion: string | undefined;

  /** `informer` may list other objects too; only kube-system/kube-dns is read. `zone`: the cluster domain, lower case. */
  constructor(private readonly informer: Pick<Informer<ConfigMap>, 'addHandlers' | 'get'> | undefined, private readonly zone: string, private readonly log: Logger) {
    const mark = (): void => { this.stale = true; this.config(); };
    informer?.addHandlers({ onAdd: mark, onUpdate: mark, onDelete: mark });
  }

  /** The configuration now (recomputed after a change; cheap otherwise). Never throws. */
  config(): DNSConfig {
    if (!this.stale || !this.informer) return this.current;
    this.stale = false;
    const cm = this.informer.get(`${DNS_CONFIGMAP_NAMESPACE}/${DNS_CONFIGMAP_NAME}`);
    const version = cm?.metadata?.resourceVersion;
    if (cm !== undefined && version !== undefined && version === this.seenVersion) return this.current;
    this.seenVersion = version;
    const parsed = parseDNSConfig(cm, this.zone);
    for (const w of parsed.warnings) this.log.warn(`kube-dns ConfigMap: ${w}`, { configMap: `${DNS_CONFIGMAP_NAMESPACE}/${DNS_CONFIGMAP_NAME}` });
    const next = applyDNSConfig(this.current, parsed);
    if (JSON.stringify(next) !== JSON.stringify(this.current)) {
      this.log.info('cluster DNS forwarding configuration', {
        stubDomains: Object.fromEntries(next.stubDomains.map((s) => [s.domain, s.servers.map((u) => `${u.host}:${u.port}`)])),
        upstreams: next.upstreams?.map((u) => `${u.host}:${u.port}`) ?? 'resolv.conf',
      });
    }
    this.current = next;
    return next;
  }
}
