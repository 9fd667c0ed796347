/**
 * Reading kubectl's `-v=6` request log, so tests can assert the HTTP status
 * the API server answered (kubectl itself only prints the Status message).
 */

/**
 * responseStatuses extracts the HTTP status codes from kubectl `-v=6` or
 * `-v=8` stderr, in order, with the request each answers. Understands the
 * klog text format of kubectl ≤ 1.31
 * (`POST http://h/p 422 Unprocessable Entity in 14 milliseconds` at v=6; a
 * `POST http://h/p` line then `Response Status: 422 ...` at v=8) and the
 * structured format of ≥ 1.32 (`"Response" verb="POST" url="…" status="422 …"`
 * at v=6; `"Request" verb="POST" url="…"` then `"Response" status="422 …"` at v=8).
 */
export function responseStatuses(stderr: string): Array<{ verb: string; url: string; status: number }> {
  const out: Array<{ verb: string; url: string; status: number }> = [];
  let pending = { verb: '', url: '' };
  for (const line of stderr.split('\n')) {
    const full = line.match(/"Response" verb="([A-Z]+)" url="([^"]+)" status="(\d{3})/);
    if (full) {
      out.push({ verb: full[1] ?? '', url: full[2] ?? '', status: Number(full[3]) });
      continue;
    }
    const oldV6 = line.match(/round_trippers\.go:\d+\] ([A-Z]+) (\S+) (\d{3}) [^\n]* in \d+ milliseconds/);
    if (oldV6) {
      out.push({ verb: oldV6[1] ?? '', url: oldV6[2] ?? '', status: Number(oldV6[3]) });
      continue;
    }
    const newReq = line.match(/"Request" verb="([A-Z]+)" url="([^"]+)"/);
    const oldReq = line.match(/round_trippers\.go:\d+\] ([A-Z]+) (https?:\/\/\S+)\s*$/);
    const req = newReq ?? oldReq;
    if (req) {
      pending = { verb: req[1] ?? '', url: req[2] ?? '' };
      continue;
    }
    const resp = line.match(/"Response" status="(\d{3})/) ?? line.match(/Response Status: (\d{3})/);
    if (resp) out.push({ ...pending, status: Number(resp[1]) });
  }
  return out;
}

/** lastStatus returns the status of the last request to a URL containing `pathPart` (and of `verb` when given), or undefined. */
export function lastStatus(stderr: string, pathPart: string, verb?: string): number | undefined {
  const hits = responseStatuses(stderr).filter((r) => r.url.includes(pathPart) && (!verb || r.verb === verb));
  return hits[hits.length - 1]?.status;
}

/**
 * withoutKlog drops klog lines (`I1122 05:02:46.178 ...`) with their
 * continuation lines (tab- or ` >`-prefixed header blocks, and the
 * pretty-printed `server response object: [{ ... }]` block kubectl logs at
 * v ≥ 6), so the user-facing error text remains.
 */
export function withoutKlog(stderr: string): string {
  const kept: string[] = [];
  let inObject = false;
  for (const line of stderr.split('\n')) {
    if (inObject) {
      if (line === '}]') inObject = false;
      continue;
    }
    if (/^[IWE]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s/.test(line)) {
      if (/server response object: (%s)?\[\{$/.test(line)) inObject = true;
      continue;
    }
    if (/^(\t| >)/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

/** The fields of a metav1.Status the tests check. */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/**
 * responseBodies extracts the JSON response bodies kubectl logs at `-v=8`/`-v=9`
 * (only -v=9 logs bodies over 1 KiB whole), in
 * order, from both formats: `Response Body: {...}` (≤ 1.31) and the structured
 * `"Response Body" body="<escaped json>"` (≥ 1.32). Unparseable (e.g.
 * truncated) bodies are skipped.
 */
export function responseBodies(stderr: string): unknown[] {
  const out: unknown[] = [];
  for (const line of stderr.split('\n')) {
    let json: string | undefined;
    const structured = line.match(/"Response Body" body="(.*)"\s*$/);
    if (structured?.[1] !== undefined) {
      try {
        json = JSON.parse(`"${structured[1]}"`) as string;
      } catch {
        continue;
      }
    } else {
      json = line.match(/Response Body: (.*)$/)?.[1];
    }
    if (json === undefined) continue;
    try {
      out.push(JSON.parse(json));
    } catch {
      // truncated or not JSON
    }
  }
  return out;
}

/** lastStatusBody returns the last logged response body that is a metav1.Status, or undefined. */
export function lastStatusBody(stderr: string): StatusBody | undefined {
  const statuses = responseBodies(stderr).filter(
    (b): b is StatusBody => typeof b === 'object' && b !== null && (b as { kind?: unknown }).kind === 'Status',
  );
  return statuses[statuses.length - 1];
}
