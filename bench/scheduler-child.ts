/**
 * The scheduler process of the `scheduler` benchmark (as kube-scheduler, or
 * `skiff server --split-processes`): `node --import tsx
 * bench/scheduler-child.ts <apiUrl> [parallelBindings] [profileFile]` runs
 * runScheduler against the API server until SIGTERM, then exits 0. With
 * `profileFile` ('-' for none) the process profiles itself through the
 * inspector from just before runScheduler (so module loading is left out)
 * and writes the .cpuprofile JSON there on SIGTERM (frames at their source
 * lines: hot-spots.ts startProfile). Prints one JSON line
 * with its CPU time ({"cpuMs": n}: user + system, whole life) on exit.
 * Logs nothing.
 */
import { writeFile } from 'node:fs/promises';
import { runScheduler } from '../scheduler/main.ts';
import { quietLogger } from '../testutil/log.ts';
import { startProfile } from './hot-spots.ts';

const [apiUrl, parallel, profileFile] = process.argv.slice(2);
const ac = new AbortController();
process.once('SIGTERM', () => ac.abort());
try {
  const prof = profileFile && profileFile !== '-' ? await startProfile() : undefined;
  await runScheduler({ apiUrl, healthzPort: 0, log: quietLogger('scheduler'), ...(parallel && parallel !== '-' ? { parallelBindings: Number(parallel) } : {}) }, ac.signal);
  if (prof && profileFile) await writeFile(profileFile, JSON.stringify(await prof.stop()));
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMs: Math.round((cpu.user + cpu.system) / 1000) })}\n`);
  process.exit(0);
} catch (e) {
  process.stderr.write(`scheduler-child: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
}
