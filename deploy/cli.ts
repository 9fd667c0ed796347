/**
 * The `skiff` command (deploy/bin/skiff.mjs loads this file through tsx).
 * Parses the command line, runs the chosen subcommand until it stops, then
 * exits 0; a failure prints `skiff: <message>` and exits 1.
 */
import { buildProgram } from './cli/program.ts';
import { defaultActions } from './cli/actions.ts';

try {
  await buildProgram(defaultActions()).parseAsync(process.argv);
  process.exit(0);
} catch (err) {
  process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
