/**
 * The proxy-sync bench (`npm run bench -- --only proxy`): S Services × E
 * endpoints (default 5,000 × 5) synced by each proxy mode's real backend
 * inside a private network namespace this bench creates and deletes.
 *
 * Per mode it reports two cases, each with a floor measured in the same run:
 * - full sync: backend.sync(state, full=true) into an empty node (render +
 *   apply + hooks); floor: the raw apply (`nft -f` / `iptables-restore
 *   --noflush`) of the very payload the backend sent, into an empty node again.
 * - one endpoint change: one Service's endpoint replaced, backend.sync(state,
 *   full=false) until the kernel has it; floor: the raw apply of the same
 *   delta payload (replayed after the change was reverted).
 * `ratio` = ms / floorMs. Targets (issue 8): full ≤ 1000 ms, change ≤ 100 ms.
 * With `cpuProf`, after the timed rounds, one extra untimed full sync into an
 * empty node and then ten endpoint changes (the same one, there and back) run
 * under the CPU profiler of this process (sampling every 100 µs); their top
 * three self-time functions go into the rows as `hotSpots`. The profile covers this process only (rendering, the
 * hooks, piping the payload): the nft / iptables-restore processes are not in
 * it, and the wait for them is idle time, left out of the shares.
 * Needs root, ip, nsenter, nft, iptables.
 */
import { execa } from 'execa';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { createLogger } from '../apiserver/api/log.ts';
import type { ProxyBackend, ProxyMode, ProxyState } from '../proxy/backend.ts';
import { hostExec, mustExec, netnsExec, type Exec } from '../proxy/exec.ts';
import { cleanupRules } from '../proxy/iptables.ts';
import { newBackend } from '../proxy/main.ts';
import { cleanupNftables } from '../proxy/nft/nftables.ts';
import { profilePhase, type HotSpot } from './hot-spots.ts';

/** One row of the report (or `error` when the mode failed). */
export interface ProxySyncResult {
  error?: string;
  name: string;
  mode: ProxyMode;
  services: number;
  endpointsPerService: number;
  /** Wall-clock ms of the backend call (median of `rounds`). */
  ms: number;
  /** Wall-clock ms of the raw apply of the same payload (median). */
  floorMs: number;
  /** ms / floorMs. */
  ratio: number;
  targetMs: number;
  meetsTarget: boolean;
  /** Bytes of the payload the backend applied. */
  payloadBytes: number;
  rounds: number[];
  /** With cpuProf: top three self-time functions of the extra, untimed backend.sync (see file doc). */
  hotSpots?: HotSpot[];
  /** With cpuProf: the share (0..1) of that sync's non-idle time in GC. */
  gcShare?: number;
}

/** hostExec with a 10-minute timeout: a 25,000-endpoint iptables restore takes longer than hostExec's 30 s on a busy machine. */
const patientExec: Exec = async (file, args, input) => {
  const r = await execa(file, args, { input, reject: false, timeout: 600_000, stripFinalNewline: false });
  if (r.exitCode === undefined) throw new Error(`${file}: could not run: ${r.message}`);
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

/** The n-th address (n < 65536) of the /16 whose first two octets are `prefix`. */
const addr = (prefix: string, n: number): string => `${prefix}.${(n >> 8) & 255}.${n & 255}`;

/** S ClusterIP Services with E ready endpoints each (one EndpointSlice per Service; S·E < 65536). Deterministic. */
export function syntheticState(services: number, endpoints: number): ProxyState {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let s = 0; s < services; s++) {
    const name = `svc-${s}`;
    const ns = `ns-${s % 50}`;
    svcs.push({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP: addr('10.96', s + 1), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { namespace: ns, name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [addr('10.244', s * endpoints + e + 1)], conditions: { ready: true } })),
    });
  }
  return { services: svcs, endpointSlices: slices };
}

/** `state` with the first endpoint of Service `index` moved to a new address. */
function withMovedEndpoint(state: ProxyState, index: number, address: string): ProxyState {
  const slices = state.endpointSlices.slice();
  const old = slices[index];
  if (old === undefined) throw new Error(`no slice ${index}`);
  const eps = (old.endpoints ?? []).slice();
  eps[0] = { addresses: [address], conditions: { ready: true } };
  slices[index] = { ...old, endpoints: eps };
  return { services: state.services, endpointSlices: slices };
}

/** An Exec that remembers the stdin of the last nft / iptables-restore call. */
function recording(inner: Exec): { exec: Exec; last(): { file: string; args: string[]; input: string } | undefined } {
  let last: { file: string; args: string[]; input: string } | undefined;
  return {
    exec: (file, args, input) => {
      if (input !== undefined && (file === 'nft' || file === 'iptables-restore')) last = { file, args, input };
      return inner(file, args, input);
    },
    last: () => last,
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round((performance.now() - t0) * 10) / 10;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function row(name: string, mode: ProxyMode, s: number, e: number, ms: number[], floor: number[], targetMs: number, bytes: number): ProxySyncResult {
  const m = median(ms);
  const f = median(floor);
  return { name, mode, services: s, endpointsPerService: e, ms: m, floorMs: f, ratio: Math.round((m / f) * 1000) / 1000, targetMs, meetsTarget: m <= targetMs, payloadBytes: bytes, rounds: ms };
}

/**
 * Runs the bench for every mode in `modes`; resolves the rows. The namespace
 * is deleted even when a step throws.
 */
export async function proxySync(opts: { services: number; endpoints: number; rounds: number; modes: readonly ProxyMode[]; cpuProf?: boolean }): Promise<ProxySyncResult[]> {
  const ns = `skbench${process.pid}`;
  await mustExec(hostExec, 'ip', ['netns', 'add', ns]);
  const node = netnsExec(ns, patientExec);
  const config = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'bench' };
  const log = createLogger('bench-proxy');
  const state = syntheticState(opts.services, opts.endpoints);
  const changed = withMovedEndpoint(state, Math.floor(opts.services / 2), '10.246.0.1');
  const out: ProxySyncResult[] = [];
  try {
    await mustExec(node, 'ip', ['link', 'set', 'lo', 'up']);
    for (const mode of opts.modes) {
      try {
        out.push(...await benchMode(mode));
      } catch (e) {
        out.push({ ...row('proxy sync', mode, opts.services, opts.endpoints, [0], [1], 0, 0), error: (e as Error).message.slice(0, 500) });
      }
    }
  } finally {
    await hostExec('ip', ['netns', 'del', ns]);
  }
  return out;

  async function benchMode(mode: ProxyMode): Promise<ProxySyncResult[]> {
    const clean = async (): Promise<void> => { await cleanupRules(node); await cleanupNftables(node); };
    const fullMs: number[] = [];
    const fullFloor: number[] = [];
    const changeMs: number[] = [];
    const changeFloor: number[] = [];
    let fullBytes = 0;
    let changeBytes = 0;
    for (let r = 0; r < opts.rounds; r++) {
      await clean();
      const rec = recording(node);
      const backend: ProxyBackend = newBackend(mode, config, log, rec.exec);
      fullMs.push(await timed(() => backend.sync(state, true)));
      const full = rec.last();
      if (!full) throw new Error(`${mode}: the full sync applied nothing`);
      fullBytes = full.input.length;

      changeMs.push(await timed(() => backend.sync(changed, false)));
      const delta = rec.last();
      if (!delta || delta === full) throw new Error(`${mode}: the endpoint change applied nothing`);
      changeBytes = delta.input.length;
      await backend.sync(state, false);
      changeFloor.push(await timed(() => mustExec(node, delta.file, delta.args, delta.input)));

      await clean();
      fullFloor.push(await timed(() => mustExec(node, full.file, full.args, full.input)));
    }
    const rows = [
      row('proxy full sync (render + apply)', mode, opts.services, opts.endpoints, fullMs, fullFloor, 1000, fullBytes),
      row('proxy one endpoint change reaching the kernel', mode, opts.services, opts.endpoints, changeMs, changeFloor, 100, changeBytes),
    ];
    if (!opts.cpuProf) return rows;
    // The extra, untimed pass: the same two calls on a fresh backend into an empty node.
    await clean();
    const backend: ProxyBackend = newBackend(mode, config, log, node);
    const full = await profilePhase(() => backend.sync(state, true), { intervalUs: 100 });
    // Ten one-endpoint changes (there and back five times): one is tens of ms, too few samples alone.
    const change = await profilePhase(async () => {
      for (let i = 0; i < 10; i++) await backend.sync(i % 2 === 0 ? changed : state, false);
    }, { intervalUs: 100 });
    return [
      { ...rows[0], hotSpots: full.hotSpots, gcShare: full.gcShare },
      { ...rows[1], hotSpots: change.hotSpots, gcShare: change.gcShare },
    ];
  }
}
