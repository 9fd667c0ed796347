/**
 * Certificates made the way an administrator makes them, with the openssl
 * CLI: a throw-away CA, and P-256 client certs (clientAuth) whose subject
 * carries the Kubernetes user (CN) and groups (O) signed by a given CA. Files
 * are written under a directory the caller owns; no serial file is written
 * next to the CA (the serial is random).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../deploy/images/exec.ts';

/** A PEM cert and its PEM private key, as file paths. */
export interface CertFiles {
  cert: string;
  key: string;
}

/** `/O=g1/O=g2/CN=user` for openssl's -subj; rejects characters the subject syntax treats specially. Pure. */
export function subjectArg(commonName: string, organizations: readonly string[] = []): string {
  for (const part of [commonName, ...organizations]) {
    if (/[/=\\+,]/.test(part)) throw new Error(`subject part ${JSON.stringify(part)} has a character openssl -subj treats specially`);
  }
  return [...organizations.map((o) => `/O=${o}`), `/CN=${commonName}`].join('');
}

/** Makes a self-signed CA `<dir>/<name>.crt/.key` valid for one day. Throws CommandError when openssl fails. */
export async function makeCA(dir: string, name: string): Promise<CertFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', files.key, '-out', files.cert, '-subj', subjectArg(name), '-days', '1',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return files;
}

/**
 * Makes `<dir>/<name>.crt/.key`: a client cert for user `commonName` in
 * `organizations`, signed by `ca`, valid for one day. Throws CommandError
 * when openssl fails.
 */
export async function makeClientCert(dir: string, name: string, commonName: string, organizations: readonly string[], ca: CertFiles): Promise<CertFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  await run('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', files.key, '-out', csr, '-subj', subjectArg(commonName, organizations),
  ]);
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(12).toString('hex')}`,
    '-days', '1', '-extfile', ext, '-out', files.cert,
  ]);
  return files;
}

/** A kubeconfig (YAML, file references) for `server` with CA `caFile` and client cert `user`, written to `path`. */
export async function writeCertKubeconfigFile(path: string, server: string, caFile: string, user: CertFiles, userName: string): Promise<string> {
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: e2e',
    '  cluster:',
    `    server: ${JSON.stringify(server)}`,
    `    certificate-authority: ${JSON.stringify(caFile)}`,
    'users:',
    `- name: ${JSON.stringify(userName)}`,
    '  user:',
    `    client-certificate: ${JSON.stringify(user.cert)}`,
    `    client-key: ${JSON.stringify(user.key)}`,
    'contexts:',
    '- name: e2e',
    '  context:',
    '    cluster: e2e',
    `    user: ${JSON.stringify(userName)}`,
    'current-context: e2e',
    '',
  ].join('\n');
  await writeFile(path, yaml, { mode: 0o600 });
  return path;
}
