#!/usr/bin/env node
/**
 * The `hilbridge` executable (package.json `bin`): runs the command line and exits with its code.
 * Signal handling is installed before anything else loads (signals.ts).
 *
 * A command that talks to a chip waits above all for its driver thread to start (a worker that
 * loads and locks down SES). So the next thing done, before the rest of the command line is
 * loaded, is to start a spare worker (kernel/spare.ts) for such a command: it gets ready while the
 * command line is parsed, the board is read and the kernel boots, and the driver thread adopts it.
 */
import { installSignalHandlers } from './signals';
import { startSpareWorker } from '../host/prestart';

// First, before the rest of the command line loads: a signal during start-up gets a message and
// 128 + its number, and a command that touches a device turns it into a clean stop.
installSignalHandlers();

// A reader that goes away (`hilbridge --help | head -3`) is not an error: what is left to print
// has nobody to read it, and the command's own exit code stands.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

/** Commands that start a driver thread. */
const CHIP_COMMANDS = new Set(['demo', 'read', 'dump', 'write', 'verify', 'erase', 'blank', 'status', 'protect']);

const argv = process.argv.slice(2);
if (argv.some((a) => CHIP_COMMANDS.has(a)) && !argv.includes('--help') && !argv.includes('-h') && process.env.HILBRIDGE_NO_SPARE === undefined) startSpareWorker();

// Loaded after the spare is on its way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runCli } = require('./program') as typeof import('./program');

runCli(argv).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`hilbridge: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
