/**
 * The paths anonymous requests may reach (issue 6; Kubernetes'
 * system:public-info-viewer role grants /healthz, /livez, /readyz and
 * /version), and /cacerts (the cluster CA a joining agent checks against
 * its token, as k3s serves it): each of them and their subpaths such as /readyz/etcd.
 */

const PUBLIC = ['/healthz', '/livez', '/readyz', '/version', '/cacerts'];

/** Whether `url` (path plus optional query) is public: one of the paths or below it. Pure. */
export function isPublicPath(url: string): boolean {
  const path = url.split('?')[0].replace(/\/+$/, '') || '/';
  return PUBLIC.some((p) => path === p || path.startsWith(`${p}/`));
}
