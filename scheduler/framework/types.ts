/**
 * The scheduling framework's contracts (after kube-scheduler's
 * framework/interface.go): filter and score plugins behind tiny interfaces,
 * a Status that carries expected failures as data, and per-pod CycleState.
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1';

/** Outcome code of a plugin call, as in the kube-scheduler framework ('Skip': a preFilter says its filter has nothing to check for this pod). */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

/** A plugin's verdict; `reasons` become the FailedScheduling text (e.g. 'Insufficient cpu'). */
export interface Status {
  code: StatusCode;
  reasons: string[];
  /** Name of the plugin that failed (set by the framework). */
  plugin?: string;
}

/** The success Status. */
export const success: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;

/** The Skip Status: returned by preFilter, the plugin's filter is not run for this pod (kube's framework.Skip). */
export const skip: Status = Object.freeze({ code: 'Skip', reasons: [] }) as Status;

/** An Unschedulable Status with the given reasons. */
export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

/** An UnschedulableAndUnresolvable Status (no preemption could help). */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

/** cpu in millicores, memory in bytes, pods as a count. */
export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
}

/** One host port a pod claims (containers[].ports[].hostPort, or containerPort with hostNetwork). */
export interface HostPort {
  /** Host IP; '0.0.0.0' when unset (the wildcard). */
  ip: string;
  protocol: string;
  port: number;
}

/**
 * Host ports in use on a node: 'PROTOCOL/port' → host IP → number of pods
 * claiming it (kube's HostPortInfo).
 */
export type UsedPorts = Map<string, Map<string, number>>;

/** Node facts the filters read on every cycle, derived once when the Node object changes. */
export interface NodeTraits {
  /** spec.unschedulable (cordoned). */
  unschedulable: boolean;
  /** spec.taints with effect NoSchedule or NoExecute (the ones filters enforce). */
  scheduleTaints: Taint[];
  /** The taint Kubernetes would put on the node for its Ready condition (undefined when Ready is True). */
  readinessTaint?: Taint;
}

/**
 * A node with what is already placed on it (kube's framework.NodeInfo): the
 * aggregates are kept up to date as pods are added and removed, so plugins
 * read them in O(1) instead of walking `pods`. Mutate only through
 * framework/nodeinfo.ts (addPod/removePod/setNode); the cache stamps
 * `generation` on every change.
 */
export interface NodeInfo {
  node: Node;
  /** Pods bound (or assumed) to this node and not terminal, by 'namespace/name'. */
  pods: Map<string, Pod>;
  /** Sum of the pods' effective requests; `pods` is the pod count. */
  requested: Resources;
  /** Same, counting a container with no request as 100m cpu / 200 MiB (scoring only). */
  nonZeroRequested: Resources;
  /** From node.status.allocatable (falls back to capacity). */
  allocatable: Resources;
  /** What filters read of the Node object, derived once per Node update. */
  traits: NodeTraits;
  /** Host ports the pods hold. */
  usedPorts: UsedPorts;
  /** Pods with pod affinity or anti-affinity terms (kube's PodsWithAffinity), by key. */
  podsWithAffinity: Map<string, Pod>;
  /** Pods with required anti-affinity terms (kube's PodsWithRequiredAntiAffinity), by key. */
  podsWithRequiredAntiAffinity: Map<string, Pod>;
  /** Cache generation of the last change (snapshots copy only NodeInfos newer than theirs). */
  generation: number;
}

/**
 * Per-pod scratch space: plugins compute what they need once per scheduling
 * cycle (in preFilter/preScore) and read it for every node.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  /** Stores a value under `key` (conventionally the plugin name). */
  write<T>(key: string, value: T): void {
    this.data.set(key, value);
  }

  /** Reads a value written earlier in the cycle; throws if absent (a framework bug). */
  read<T>(key: string): T {
    if (!this.data.has(key)) throw new Error(`cycle state: ${key} was not computed`);
    return this.data.get(key) as T;
  }

  /** Reads a value written earlier in the cycle, or undefined (no allocation: for per-node hot paths). */
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  /** Reads a value or computes and stores it (values must not be undefined). */
  getOrCompute<T>(key: string, fn: () => T): T {
    let v = this.data.get(key) as T | undefined;
    if (v === undefined) {
      v = fn();
      this.data.set(key, v);
    }
    return v;
  }
}

/** Rejects nodes a pod cannot run on. */
export interface FilterPlugin {
  name: string;
  /** Optional once-per-pod precomputation into `state`; returning `skip` leaves this plugin's filter out for the pod. */
  preFilter?(state: CycleState, pod: Pod): Status | void;
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

/** A node's score from one plugin (0..100 after normalization). */
export interface NodeScore {
  name: string;
  score: number;
}

/** Ranks the nodes that passed every filter; higher is better (0..100). */
export interface ScorePlugin {
  name: string;
  /** Multiplier of this plugin's normalized score (default 1). */
  weight?: number;
  preScore?(state: CycleState, pod: Pod): void;
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** Rewrites `scores` in place into 0..100 (e.g. relative to the best). */
  normalize?(state: CycleState, pod: Pod, scores: NodeScore[]): void;
}

/** The plugins one scheduler profile runs, in order. Passed in explicitly. */
export interface PluginRegistry {
  filters: FilterPlugin[];
  scorers: ScorePlugin[];
}

/** Highest score a node can get from one plugin. */
export const maxNodeScore = 100;
