/**
 * The `skiff` command (deploy/bin/skiff.mjs loads this file through tsx).
 * Parses the command line, runs the chosen subcommand until it stops, then
 * exits 0; a failure prints `skiff: <message>` and exits 1. `server` and
 * `agent` first get their config file's flags (deploy/cli/config-file.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { buildProgram } from './cli/program.ts';
import { defaultActions } from './cli/actions.ts';
import { addConfigOption, expandConfigFile } from './cli/config-file.ts';

try {
  const program = addConfigOption(buildProgram(defaultActions()));
  const argv = expandConfigFile(process.argv, program, { exists: existsSync, read: (p) => readFileSync(p, 'utf8') });
  await program.parseAsync(argv);
  process.exit(0);
} catch (err) {
  process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
