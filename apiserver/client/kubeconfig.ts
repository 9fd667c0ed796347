/**
 * Reading a kubeconfig file (kind Config, v1) into the connection settings a
 * RestClient needs, the way client-go's clientcmd does for the fields Skiff
 * uses: the current context's cluster `server`, `certificate-authority` /
 * `certificate-authority-data`, and its user's `client-certificate(-data)`,
 * `client-key(-data)`, `token` / `tokenFile`. Relative file paths are
 * resolved against the kubeconfig's own directory (clientcmd's rule).
 * `*-data` fields are base64 of the PEM text.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** What a kubeconfig resolves to: the RestClient's connection options. PEM texts, not paths. */
export interface KubeconfigConnection {
  /** The API server URL without a trailing slash, e.g. https://127.0.0.1:6443. */
  baseUrl: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function findNamed(list: unknown, name: string, field: 'cluster' | 'user' | 'context'): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const hit: unknown = list.find((e: unknown) => record(e).name === name);
  return hit === undefined ? undefined : record(record(hit)[field]);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Resolves kubeconfig YAML `text` (of a file in directory `dir`) to
 * connection options, reading referenced files through `readFile` (path →
 * UTF-8 text). `context` overrides `current-context`. Throws an Error naming
 * the problem when the YAML does not parse, the context, cluster or user is
 * missing, the cluster has no server, or a referenced file cannot be read.
 */
export function resolveKubeconfig(text: string, dir: string, readFile: (path: string) => string, context?: string): KubeconfigConnection {
  let doc: Record<string, unknown>;
  try {
    doc = record(parse(text));
  } catch (e) {
    throw new Error(`kubeconfig is not valid YAML: ${(e as Error).message}`);
  }
  const ctxName = context ?? str(doc['current-context']);
  if (ctxName === undefined) throw new Error('kubeconfig has no current-context');
  const ctx = findNamed(doc.contexts, ctxName, 'context');
  if (ctx === undefined) throw new Error(`kubeconfig has no context ${JSON.stringify(ctxName)}`);
  const clusterName = str(ctx.cluster);
  const cluster = clusterName === undefined ? undefined : findNamed(doc.clusters, clusterName, 'cluster');
  if (cluster === undefined) throw new Error(`kubeconfig context ${JSON.stringify(ctxName)} names no known cluster`);
  const server = str(cluster.server);
  if (server === undefined) throw new Error(`kubeconfig cluster ${JSON.stringify(clusterName)} has no server`);
  const userName = str(ctx.user);
  const user = userName === undefined ? {} : (findNamed(doc.users, userName, 'user') ?? {});
  const file = (p: string): string => readFile(isAbsolute(p) ? p : join(dir, p));
  const pem = (data: unknown, path: unknown): string | undefined => {
    const d = str(data);
    if (d !== undefined) return Buffer.from(d, 'base64').toString('utf8');
    const p = str(path);
    return p === undefined ? undefined : file(p);
  };
  const out: KubeconfigConnection = { baseUrl: server.replace(/\/+$/, '') };
  const ca = pem(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  const tokenFile = str(user.tokenFile);
  const token = str(user.token) ?? (tokenFile === undefined ? undefined : file(tokenFile).trim());
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (token !== undefined) out.token = token;
  return out;
}

/** Reads the kubeconfig at `path` and resolves it (see resolveKubeconfig). Throws on I/O or content errors, naming the file. */
export function loadKubeconfig(path: string, context?: string): KubeconfigConnection {
  try {
    return resolveKubeconfig(readFileSync(path, 'utf8'), dirname(path), (p) => readFileSync(p, 'utf8'), context);
  } catch (e) {
    throw new Error(`cannot use kubeconfig ${path}: ${(e as Error).message}`);
  }
}

/**
 * A component's connection: from `kubeconfig` when given (it wins, as with
 * kube components' --kubeconfig), else plain `apiUrl` without credentials.
 * Throws as loadKubeconfig, or when neither is given.
 */
export function connectionFor(o: { apiUrl?: string; kubeconfig?: string }): KubeconfigConnection {
  if (o.kubeconfig !== undefined) return loadKubeconfig(o.kubeconfig);
  if (o.apiUrl !== undefined) return { baseUrl: o.apiUrl };
  throw new Error('no API server given: pass --kubeconfig or --api-url');
}
