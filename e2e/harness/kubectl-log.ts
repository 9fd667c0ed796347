/**
 * Reading kubectl's `-v=6` request log, so tests can assert the HTTP status
 * the API server answered (kubectl itself only prints the Status message).
 */

/**
 * responseStatuses extracts the HTTP status codes from kubectl `-v=6` stderr,
 * in order. Understands both log formats: the old
 * `POST http://h/p 422 Unprocessable Entity in 14 milliseconds` (≤ 1.31) and
 * the structured `"Response" verb="POST" url="…" status="422 Unprocessable Entity"` (≥ 1.32).
 */
export function responseStatuses(stderr: string): Array<{ verb: string; url: string; status: number }> {
  const out: Array<{ verb: string; url: string; status: number }> = [];
  for (const line of stderr.split('\n')) {
    const structured = line.match(/"Response" verb="([A-Z]+)" url="([^"]+)" status="(\d{3})/);
    if (structured) {
      out.push({ verb: structured[1] ?? '', url: structured[2] ?? '', status: Number(structured[3]) });
      continue;
    }
    const old = line.match(/round_trippers\.go:\d+\] ([A-Z]+) (\S+) (\d{3}) [^\n]* in \d+ milliseconds/);
    if (old) out.push({ verb: old[1] ?? '', url: old[2] ?? '', status: Number(old[3]) });
  }
  return out;
}

/** lastStatus returns the status of the last request to a URL containing `pathPart` (and of `verb` when given), or undefined. */
export function lastStatus(stderr: string, pathPart: string, verb?: string): number | undefined {
  const hits = responseStatuses(stderr).filter((r) => r.url.includes(pathPart) && (!verb || r.verb === verb));
  return hits[hits.length - 1]?.status;
}

/** withoutKlog drops klog lines (`I1122 05:02:46.178 ...`) so the user-facing error text remains. */
export function withoutKlog(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^[IWE]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s/.test(l))
    .join('\n')
    .trim();
}
