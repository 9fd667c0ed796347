/**
 * The entry of the single executable (binary.ts): what deploy/cli.ts does,
 * inside an async function, because Node 20's single-executable applications
 * run one CommonJS script and CommonJS has no top-level await. Parses the
 * command line, runs the subcommand, then exits 0; a failure prints
 * `skiff: <message>` and exits 1. Keep it in step with deploy/cli.ts
 * (sea.test.ts compares the two).
 */
import { existsSync, readFileSync } from 'node:fs';
import { buildProgram } from '../cli/program.ts';
import { defaultActions } from '../cli/actions.ts';
import { addConfigOption, expandConfigFile } from '../cli/config-file.ts';

/** Runs the `skiff` command for `argv` (process.argv's shape) and exits the process. */
async function main(argv: string[]): Promise<void> {
  try {
    const program = addConfigOption(buildProgram(defaultActions()));
    const expanded = expandConfigFile(argv, program, { exists: existsSync, read: (p) => readFileSync(p, 'utf8') });
    await program.parseAsync(expanded);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

void main(process.argv);
