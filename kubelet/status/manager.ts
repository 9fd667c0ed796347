/**
 * Status manager (kubelet status_manager.go, simplified): a versioned cache
 * of the status the kubelet computed per pod uid; a status is written to the
 * API (merge PATCH of pods/status) only when it differs from the last one
 * written. Writes for one pod are serialized; a failed write is retried on
 * the next `set` or `resync`.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import { Pods } from '../../apiserver/client/resources.ts';
import { isNotFound, type ApiClient } from '../../apiserver/client/types.ts';

interface Entry {
  namespace: string;
  name: string;
  status: PodStatus;
  version: number;
  /** JSON of the last status written successfully. */
  written?: string;
  writing?: Promise<void>;
}

/**
 * True when a condition type the kubelet computes (in `mine`) has another
 * status in the API's pod status `api` (kube's needsReconcile, narrowed to
 * condition statuses: other fields may be normalized by the server).
 */
export function conditionsDiffer(api: PodStatus | undefined, mine: PodStatus): boolean {
  const theirs = new Map((api?.conditions ?? []).map((c) => [c.type, c.status]));
  return (mine.conditions ?? []).some((c) => theirs.has(c.type) && theirs.get(c.type) !== c.status);
}

/** See file comment. */
export class StatusManager {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly client: ApiClient, private readonly log: Logger) {}

  /** The latest status computed for `uid`, if any. */
  get(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.status;
  }

  /** Records `status` for `pod` and writes it if it changed; resolves when that write is done (never rejects). */
  set(pod: Pod, status: PodStatus): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const prev = this.entries.get(uid);
    const entry: Entry = prev ?? { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', status, version: 0 };
    // Someone else changed a condition we own (the node lifecycle controller's MarkPodsNotReady): write ours again.
    if (entry.written !== undefined && conditionsDiffer(pod.status, status)) entry.written = undefined;
    entry.status = status;
    entry.version += 1;
    this.entries.set(uid, entry);
    return this.flush(uid, entry);
  }

  private flush(uid: string, e: Entry): Promise<void> {
    const run = async (): Promise<void> => {
      const json = JSON.stringify(e.status);
      if (json === e.written) return;
      const version = e.version;
      try {
        await this.client.patch(Pods, e.name, 'merge', { status: e.status }, e.namespace, 'status');
        e.written = json;
        this.log.debug('status written', { pod: `${e.namespace}/${e.name}`, version, phase: e.status.phase });
      } catch (err) {
        if (isNotFound(err)) this.entries.delete(uid);
        else this.log.warn('status write failed', { pod: `${e.namespace}/${e.name}`, error: err });
      }
    };
    const p = (e.writing ?? Promise.resolve()).then(run);
    e.writing = p;
    return p;
  }

  /** Retries every status that differs from what was last written. */
  async resync(): Promise<void> {
    await Promise.all([...this.entries].map(([uid, e]) => this.flush(uid, e)));
  }

  /** Forgets a pod (after it was deleted). */
  forget(uid: string): void {
    this.entries.delete(uid);
  }
}
