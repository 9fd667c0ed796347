/**
 * What `skiff --version` prints: Skiff's version, the commit, the Kubernetes
 * API version it serves and the platform (os/arch in Go's names, as
 * `kubectl version` prints them), e.g.
 * `skiff 0.1.0 (commit 1a2b3c4d5e6f, kubernetes v1.33.0, linux/amd64, node v20.20.2)`.
 */
import { goArch, versionInfo } from '../../apiserver/version.ts';

/** Skiff's release version; deploy/cli/version.test.ts keeps it equal to package.json's. */
export const SKIFF_VERSION = '0.1.0';

/** The one-line version string for this process (commit shortened to 12 hex digits; 'unknown' when not known). Pure but for the process facts it reads. */
export function versionLine(): string {
  const info = versionInfo();
  const commit = info.gitCommit === '' ? 'unknown' : info.gitCommit.slice(0, 12);
  return `skiff ${SKIFF_VERSION} (commit ${commit}, kubernetes ${info.gitVersion.replace(/-skiff$/, '')}, ${process.platform}/${goArch(process.arch)}, node ${process.version})`;
}
