/**
 * SIGINT, SIGTERM and SIGHUP for the whole life of the `hilbridge` process. A command that runs
 * against a board (session.ts) claims them and turns the first one into "stop after the page in
 * flight"; before that, and after it, a signal ends the process at once with 128 + its number
 * and a line saying so, instead of the silent default death. This module loads nothing else, so
 * main.ts installs it before the rest of the command line is even loaded.
 */

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type CliSignal = (typeof SIGNALS)[number];
export const SIGNO: Readonly<Record<CliSignal, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

let claims = 0;
let installed = false;

/** Installs the process-wide handlers (once): a signal nobody claimed exits 128 + its number. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const sig of SIGNALS) {
    process.on(sig, () => {
      if (claims > 0) return; // a session handles it
      process.stderr.write(`hilbridge: ${sig}: exiting (no device operation was running)\n`);
      process.exit(128 + SIGNO[sig]);
    });
  }
}

/** A session takes over the signals until the returned function is called. */
export function claimSignals(): () => void {
  claims++;
  let released = false;
  return () => {
    if (!released) {
      released = true;
      claims--;
    }
  };
}
