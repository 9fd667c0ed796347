/**
 * ConfigMaps and Secrets a pod uses (env valueFrom / envFrom and volumes),
 * read through the API once per sync, and the files of configMap/secret
 * volumes written under the pod's volume dir (kubelet's configmap/secret
 * volume plugins, simplified: rewritten on every sync, so updates propagate).
 */
import { writeAtomically } from './atomic-writer.ts';
import { join } from 'node:path';
import type { ConfigMap, Container, KeyToPath, Pod, Secret } from 'kubernetes-types/core/v1';
import { ConfigMaps, Secrets } from '../../apiserver/client/resources.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { podVolumeDir } from './config.ts';

/** A referenced object is missing (non-optional): the container waits with CreateContainerConfigError. */
export class ConfigError extends Error {}

/** The data of the ConfigMaps and Secrets a pod references, by name (undefined = does not exist). */
export interface PodSources {
  configMaps: Map<string, Record<string, string> | undefined>;
  secrets: Map<string, Record<string, string> | undefined>;
}

const decode = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/**
 * Names of the ConfigMaps and Secrets `pod` references (pure); the sources of
 * projected volumes only with `projected` (the kubelet writes those volumes).
 */
export function referencedSources(pod: Pod, projected = false): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const containers: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
  }
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const ps of projected ? v.projected?.sources ?? [] : []) {
      if (ps.configMap?.name) configMaps.add(ps.configMap.name);
      if (ps.secret?.name) secrets.add(ps.secret.name);
    }
  }
  return { configMaps, secrets };
}

/** Reads every referenced ConfigMap/Secret (string data merged with decoded binary/base64 data; `projected` as in referencedSources). Throws on API errors other than 404. */
export async function loadSources(client: ApiClient, pod: Pod, projected = false): Promise<PodSources> {
  const ns = pod.metadata?.namespace ?? 'default';
  const refs = referencedSources(pod, projected);
  const out: PodSources = { configMaps: new Map(), secrets: new Map() };
  for (const name of refs.configMaps) {
    const cm = await client.tryGet<ConfigMap>(ConfigMaps, name, ns);
    out.configMaps.set(name, cm ? { ...decode(cm.binaryData), ...(cm.data ?? {}) } : undefined);
  }
  for (const name of refs.secrets) {
    const s = await client.tryGet<Secret>(Secrets, name, ns);
    out.secrets.set(name, s ? { ...decode(s.data), ...(s.stringData ?? {}) } : undefined);
  }
  return out;
}

/** Env vars from `envFrom` and the `valueFrom` lookups for one container (pure); throws ConfigError for a missing non-optional ref. */
export function sourceEnv(c: Container, src: PodSources): { envFrom: [string, string][]; lookup: (name: string) => string | undefined } {
  const envFrom: [string, string][] = [];
  for (const f of c.envFrom ?? []) {
    const kind = f.configMapRef ? 'configmap' : 'secret';
    const name = f.configMapRef?.name ?? f.secretRef?.name ?? '';
    const data = f.configMapRef ? src.configMaps.get(name) : src.secrets.get(name);
    const optional = (f.configMapRef ?? f.secretRef)?.optional === true;
    if (!data) {
      if (optional) continue;
      throw new ConfigError(`${kind} "${name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) envFrom.push([`${f.prefix ?? ''}${k}`, v]);
  }
  const values = new Map<string, string>();
  for (const e of c.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef;
    const sec = e.valueFrom?.secretKeyRef;
    const ref = cm ?? sec;
    if (!ref) continue;
    const kind = cm ? 'configmap' : 'secret';
    const data = cm ? src.configMaps.get(ref.name ?? '') : src.secrets.get(ref.name ?? '');
    if (!data) {
      if (ref.optional) continue;
      throw new ConfigError(`${kind} "${ref.name}" not found`);
    }
    if (!(ref.key in data)) {
      if (ref.optional) continue;
      throw new ConfigError(`couldn't find key ${ref.key} in ${kind} ${ref.name}`);
    }
    values.set(e.name, data[ref.key]);
  }
  return { envFrom, lookup: (name) => values.get(name) };
}

/** Files of a configMap/secret volume: relative path → content (pure); `items` selects and renames keys. */
export function volumeFiles(data: Record<string, string>, items: KeyToPath[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (items && items.length) {
    for (const it of items) if (it.key in data) out.set(it.path, data[it.key]);
  } else {
    for (const [k, v] of Object.entries(data)) out.set(k, v);
  }
  return out;
}

/**
 * Writes the configMap and secret volumes of `pod` under its volume dir
 * (files removed from the source disappear). Throws ConfigError when a
 * non-optional source is missing.
 */
export async function writeSourceVolumes(rootDir: string, pod: Pod, src: PodSources): Promise<void> {
  const base = podVolumeDir(rootDir, pod.metadata?.uid ?? '');
  for (const v of pod.spec?.volumes ?? []) {
    const cm = v.configMap;
    const sec = v.secret;
    if (!cm && !sec) continue;
    const name = cm ? cm.name ?? '' : sec?.secretName ?? '';
    const data = cm ? src.configMaps.get(name) : src.secrets.get(name);
    const optional = (cm ?? sec)?.optional === true;
    if (!data && !optional) throw new ConfigError(`${cm ? 'configmap' : 'secret'} "${name}" not found`);
    const dir = join(base, v.name);
    const files = volumeFiles(data ?? {}, (cm ?? sec)?.items);
    await writeAtomically(dir, files, (cm ?? sec)?.defaultMode ?? 0o644);
  }
}
