/**
 * The scheduler cache (kube-scheduler's pkg/scheduler/internal/cache): one
 * NodeInfo per node, kept up to date incrementally from the Pod and Node
 * informers and from the scheduler's own assumptions, so that no scheduling
 * cycle ever walks every pod.
 *
 * Pod states (kube's cache state machine):
 * - assumed: the scheduler picked a node and is binding (`assumePod`); the
 *   pod's requests already count on that node;
 * - `finishBinding` starts the assumed pod's expiry clock (ttl, default
 *   15 min as kube's durationToExpireAssumedPod); an assumed pod the
 *   informer never confirms is dropped by `cleanupAssumedPods` after it;
 * - `forgetPod` drops an assumed pod whose binding failed;
 * - added: the informer showed the pod bound (`addPod` / `updatePod`), which
 *   also confirms an assumed pod (moved if it landed elsewhere);
 * - `removePod` when the pod is deleted or becomes terminal.
 *
 * Every change stamps the NodeInfo with a new generation and moves it to the
 * head of a recency list; `updateSnapshot` walks that list only until it
 * meets a generation the snapshot already has (kube's UpdateSnapshot), so a
 * cycle copies just the nodes changed since the last one. Pods may name a
 * node the cache has no Node object for (yet, or any more): their NodeInfo
 * is kept without a node, and left out of snapshots.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Clock } from '../apiserver/client/informer-types.ts';
import { objectKey } from '../apiserver/client/informer.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import { addPod, cloneNodeInfo, newNodeInfo, removePod, setNode } from './framework/nodeinfo.ts';
import type { NodeInfo } from './framework/types.ts';
import { interleaveByZone, zoneKey, type Snapshot } from './snapshot.ts';

/** kube's durationToExpireAssumedPod (ms). */
export const defaultAssumedPodTtlMs = 15 * 60_000;

/** Options of the cache. */
export interface SchedulerCacheOptions {
  clock?: Clock;
  /** How long a bound-but-unconfirmed assumed pod keeps its place (ms; default 15 min). */
  assumedPodTtlMs?: number;
}

interface Item {
  name: string;
  /** The Node object, or undefined when only pods name this node. */
  node?: Node;
  zone: string;
  info: NodeInfo;
  prev?: Item;
  next?: Item;
}

interface PodState {
  pod: Pod;
  assumed: boolean;
  bindingFinished: boolean;
  /** When an assumed pod expires (ms; set by finishBinding). */
  deadlineMs?: number;
}

const placeholder = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

/** The scheduler cache (see file doc). Keys are 'namespace/name'. Not thread-safe: one event loop. */
export class SchedulerCache {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly items = new Map<string, Item>();
  private readonly pods = new Map<string, PodState>();
  private readonly assumed = new Set<string>();
  private head?: Item;
  private generation = 0;
  private nodeSetVersion = 0;
  private nodeCount = 0;

  constructor(opts: SchedulerCacheOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.ttlMs = opts.assumedPodTtlMs ?? defaultAssumedPodTtlMs;
  }

  /** Adds or replaces a Node object. */
  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const item = this.item(name);
    const zone = zoneKey(node);
    if (!item.node || item.zone !== zone) this.nodeSetVersion++;
    if (!item.node) this.nodeCount++;
    item.node = node;
    item.zone = zone;
    setNode(item.info, node);
    this.bump(item);
  }

  /** Records a Node update (same as addNode). */
  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** Removes a Node object; its pods stay accounted until they are removed. */
  removeNode(name: string): void {
    const item = this.items.get(name);
    if (!item?.node) return;
    item.node = undefined;
    this.nodeCount--;
    this.nodeSetVersion++;
    if (item.info.pods.size === 0) this.drop(item);
    else this.bump(item);
  }

  /**
   * Assumes `pod` (spec.nodeName set to the chosen node) runs there, before
   * its binding is written. Returns an error message if the pod is already in
   * the cache (assumed or added), else undefined.
   */
  assumePod(pod: Pod): string | undefined {
    const key = objectKey(pod);
    if (this.pods.has(key)) return `pod ${key} is in the cache, so can't be assumed`;
    this.place(key, pod);
    this.pods.set(key, { pod, assumed: true, bindingFinished: false });
    this.assumed.add(key);
    return undefined;
  }

  /** The binding of an assumed pod was written: its expiry clock starts (ttl). No-op for other pods. */
  finishBinding(key: string): void {
    const st = this.pods.get(key);
    if (!st?.assumed) return;
    st.bindingFinished = true;
    st.deadlineMs = this.clock.now() + this.ttlMs;
  }

  /** Drops an assumed pod (its binding failed). Returns an error message if `key` is not assumed. */
  forgetPod(key: string): string | undefined {
    const st = this.pods.get(key);
    if (!st?.assumed) return `pod ${key} wasn't assumed so cannot be forgotten`;
    this.unplace(key, st.pod);
    this.pods.delete(key);
    this.assumed.delete(key);
    return undefined;
  }

  /**
   * The informer shows `pod` bound (spec.nodeName set, not terminal):
   * confirms an assumed pod (moving it if it landed on another node), adds a
   * pod we did not know, or replaces the stored copy.
   */
  addPod(pod: Pod): void {
    const key = objectKey(pod);
    const st = this.pods.get(key);
    if (st) this.unplace(key, st.pod);
    this.place(key, pod);
    this.pods.set(key, { pod, assumed: false, bindingFinished: false });
    this.assumed.delete(key);
  }

  /** Records an update of a bound pod (as addPod). */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** The pod was deleted or became terminal: its requests are released. No-op if unknown. */
  removePod(key: string): void {
    const st = this.pods.get(key);
    if (!st) return;
    this.unplace(key, st.pod);
    this.pods.delete(key);
    this.assumed.delete(key);
  }

  /** True if `key` is assumed (chosen by us, not yet confirmed by the informer). */
  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** The node an assumed or added pod counts on, or undefined if the cache does not hold it. */
  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.pod.spec?.nodeName;
  }

  /**
   * Drops assumed pods whose binding finished more than ttl ago and that the
   * informer never confirmed (kube's cleanupAssumedPods, run every second).
   * Returns their keys. O(assumed pods).
   */
  cleanupAssumedPods(): string[] {
    const now = this.clock.now();
    const expired: string[] = [];
    for (const key of this.assumed) {
      const st = this.pods.get(key);
      if (!st || !st.bindingFinished || (st.deadlineMs ?? Infinity) > now) continue;
      expired.push(key);
    }
    for (const key of expired) this.removePod(key);
    return expired;
  }

  /** Counts for tests and debugging. */
  stats(): { nodes: number; pods: number; assumed: number } {
    return { nodes: this.nodeCount, pods: this.pods.size, assumed: this.assumed.size };
  }

  /** The live NodeInfo of `name` (read only; tests and debugging), also for nodes without a Node object. */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.items.get(name)?.info;
  }

  /**
   * Brings `snap` up to date: copies the NodeInfos changed since
   * snap.generation (walking the recency list from its head and stopping at
   * the first older entry) into the snapshot's existing objects, and rebuilds
   * the node list only when nodes were added, removed or moved zone.
   * O(changed nodes), plus O(nodes) on a node-set change.
   */
  updateSnapshot(snap: Snapshot): void {
    let rebuild = snap.nodeSetVersion !== this.nodeSetVersion;
    let affinityChanged = false;
    for (let it = this.head; it && it.info.generation > snap.generation; it = it.next) {
      if (!it.node) continue;
      const copy = cloneNodeInfo(it.info);
      copy.node = it.node;
      const existing = snap.byName.get(it.name);
      if (existing) {
        if ((existing.podsWithAffinity.size > 0) !== (copy.podsWithAffinity.size > 0)) affinityChanged = true;
        Object.assign(existing, copy);
      } else {
        snap.byName.set(it.name, copy);
        rebuild = true;
      }
    }
    if (this.head) snap.generation = this.head.info.generation;
    if (rebuild) {
      const present: NodeInfo[] = [];
      const zoneOf = new Map<NodeInfo, string>();
      for (const it of this.items.values()) {
        if (!it.node) continue;
        let ni = snap.byName.get(it.name);
        if (!ni) {
          ni = { ...cloneNodeInfo(it.info), node: it.node };
          snap.byName.set(it.name, ni);
        }
        present.push(ni);
        zoneOf.set(ni, it.zone);
      }
      if (snap.byName.size !== present.length) {
        for (const name of [...snap.byName.keys()]) if (!this.items.get(name)?.node) snap.byName.delete(name);
      }
      snap.list = interleaveByZone(present, (ni) => zoneOf.get(ni) ?? '');
      snap.nodeSetVersion = this.nodeSetVersion;
    }
    if (rebuild || affinityChanged) snap.havePodsWithAffinity = snap.list.filter((ni) => ni.podsWithAffinity.size > 0);
  }

  private item(name: string): Item {
    let it = this.items.get(name);
    if (!it) {
      it = { name, zone: '', info: newNodeInfo(placeholder(name)) };
      this.items.set(name, it);
    }
    return it;
  }

  private place(key: string, pod: Pod): void {
    const it = this.item(pod.spec?.nodeName ?? '');
    addPod(it.info, key, pod);
    this.bump(it);
  }

  private unplace(key: string, pod: Pod): void {
    const it = this.items.get(pod.spec?.nodeName ?? '');
    if (!it) return;
    removePod(it.info, key);
    if (!it.node && it.info.pods.size === 0) this.drop(it);
    else this.bump(it);
  }

  /** Stamps a new generation and moves the item to the head of the recency list. */
  private bump(it: Item): void {
    it.info.generation = ++this.generation;
    if (this.head === it) return;
    this.unlink(it);
    it.next = this.head;
    if (this.head) this.head.prev = it;
    this.head = it;
  }

  private unlink(it: Item): void {
    if (it.prev) it.prev.next = it.next;
    if (it.next) it.next.prev = it.prev;
    if (this.head === it) this.head = it.next;
    it.prev = undefined;
    it.next = undefined;
  }

  private drop(it: Item): void {
    this.unlink(it);
    this.items.delete(it.name);
  }
}
