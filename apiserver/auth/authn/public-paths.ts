/**
 * The paths anonymous requests may reach (issue 6; Kubernetes'
 * system:public-info-viewer role grants /healthz, /livez, /readyz and
 * /version): each of them and their subpaths such as /readyz/etcd.
 */

const PUBLIC = ['/healthz', '/livez', '/readyz', '/version'];

/** Whether `url` (path plus optional query) is public: one of the paths or below it. Pure. */
export function isPublicPath(url: string): boolean {
  const path = url.split('?')[0].replace(/\/+$/, '') || '/';
  return PUBLIC.some((p) => path === p || path.startsWith(`${p}/`));
}
