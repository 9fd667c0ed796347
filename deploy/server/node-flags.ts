/**
 * The V8 heap flags every installed launcher starts `skiff` with (the
 * systemd units, the /usr/local/bin/skiff wrapper and deploy/quickstart.sh;
 * deploy/scripts.test.ts checks they agree with this list):
 *
 * - `--max-semi-space-size=2` (MiB): a young generation of about 6 MiB
 *   instead of V8's up to 48 MiB, which the one-process server filled and
 *   kept resident;
 * - `--heap-growing-percent=20`: the old generation grows by 20 % per GC
 *   instead of up to 4×, so garbage from a burst of writes does not stay as
 *   resident heap.
 *
 * Measured with `npm run bench -- --only cluster --cluster-modes one-process`
 * (one-process server from the bundle, 30 nginx pods Running): 145 MiB RSS
 * with the flags against 200–207 MiB without (heap in use after a GC: about
 * 47 MiB either way); API create throughput in the bench's process about
 * 10 % lower with them (more scavenges).
 */

/** The flags, in order, as given on the `node` command line. */
export const NODE_MEMORY_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=20'];

/**
 * The flags of NODE_MEMORY_FLAGS that V8 still honours when set at run time
 * (v8.setFlagsFromString) and that `execArgv` lacks: a single binary or a
 * hand-written launcher gets the heap growth limit, not the young
 * generation size (fixed when the heap was created). Pure.
 */
export function runtimeMemoryFlags(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => a.startsWith('--heap-growing-percent')) ? [] : ['--heap-growing-percent=20'];
}
