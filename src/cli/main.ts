#!/usr/bin/env node
/**
 * The `hilbridge` executable (package.json `bin`): runs the command line and exits with its code.
 */
import { runCli } from './program';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`hilbridge: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
