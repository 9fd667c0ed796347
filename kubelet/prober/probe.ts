/**
 * One probe attempt (kubelet prober.go): tcpSocket connects to podIP:port,
 * httpGet expects a status in 200..399 from http://podIP:port/path, exec
 * expects exit code 0 from ExecSync. Named ports resolve through the
 * container's ports.
 */
import http from 'node:http';
import net from 'node:net';
import type { Container, Probe } from 'kubernetes-types/core/v1';
import type { CriRuntime } from '../cri/types.ts';

/** Outcome of one attempt; `output` explains a failure. */
export interface ProbeResult {
  ok: boolean;
  output: string;
}

/** Resolves a probe port (number or container port name); undefined when unknown. */
export function resolvePort(port: number | string | undefined, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (r: ProbeResult): void => { sock.destroy(); resolve(r); };
    sock.setTimeout(timeoutMs, () => done({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }));
    sock.once('connect', () => done({ ok: true, output: '' }));
    sock.once('error', (e) => done({ ok: false, output: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

function httpProbe(url: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: { 'User-Agent': 'kube-probe/1.33', ...headers }, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, output: '' } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => { req.destroy(); resolve({ ok: false, output: `Get "${url}": context deadline exceeded` }); });
    req.on('error', (e) => resolve({ ok: false, output: `Get "${url}": ${e.message}` }));
  });
}

/** Runs one attempt of `probe` against a container at `podIP` (container id for exec). Never throws. */
export async function runProbe(probe: Probe, c: Container, podIP: string, containerId: string, runtime: CriRuntime): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) {
      const r = await runtime.execSync(containerId, probe.exec.command ?? [], probe.timeoutSeconds ?? 1);
      return r.exit_code === 0 ? { ok: true, output: '' } : { ok: false, output: `${r.stdout.toString()}${r.stderr.toString()}`.trim() || `exit code ${r.exit_code}` };
    }
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, c);
      if (port === undefined) return { ok: false, output: `unknown port ${String(probe.tcpSocket.port)}` };
      return await tcpProbe(probe.tcpSocket.host || podIP, port, timeoutMs);
    }
    if (probe.httpGet) {
      const g = probe.httpGet;
      const port = resolvePort(g.port, c);
      if (port === undefined) return { ok: false, output: `unknown port ${String(g.port)}` };
      const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
      const headers = Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value]));
      return await httpProbe(`${(g.scheme ?? 'HTTP').toLowerCase()}://${g.host || podIP}:${port}${path}`, headers, timeoutMs);
    }
    return { ok: false, output: 'probe has no handler' };
  } catch (e) {
    return { ok: false, output: e instanceof Error ? e.message : String(e) };
  }
}

/** Pure threshold bookkeeping: the new result after one attempt given consecutive counts. */
export function nextProbeState(
  prev: { result: boolean; successes: number; failures: number },
  ok: boolean,
  successThreshold: number,
  failureThreshold: number,
): { result: boolean; successes: number; failures: number } {
  const successes = ok ? prev.successes + 1 : 0;
  const failures = ok ? 0 : prev.failures + 1;
  let result = prev.result;
  if (ok && successes >= successThreshold) result = true;
  if (!ok && failures >= failureThreshold) result = false;
  return { result, successes, failures };
}
