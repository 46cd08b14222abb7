#!/usr/bin/env node
/**
 * The `hilbridge` executable (package.json `bin`): runs the command line and exits with its code.
 * Signal handling is installed before anything else loads (signals.ts).
 */
import { installSignalHandlers } from './signals';

// First, before the rest of the command line loads: a signal during start-up gets a message and
// 128 + its number, and a command that touches a device turns it into a clean stop.
installSignalHandlers();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runCli } = require('./program') as typeof import('./program');

// A reader that goes away (`hilbridge --help | head -3`) is not an error: what is left to print
// has nobody to read it, and the command's own exit code stands.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`hilbridge: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
