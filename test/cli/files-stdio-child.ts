/**
 * A small program around the file helpers, run by files.test.ts as a child process with real pipes:
 * `copy` reads standard input (`--in -`) and writes it to standard output (`--out -`);
 * `emit N [after-stdout]` writes N bytes of a pattern to standard output (after first touching
 * process.stdout, which makes a pipe non-blocking), then a summary line through process.stdout as a
 * command's result would be printed; `read` reads standard input and reports its length;
 * `terminal` says whether `--out -` would reach a terminal. Each reports as JSON on standard error.
 */
import { outputIsTerminal, readFileOrFail, writeFileOrFail } from '../../src/cli/files';

function report(o: unknown): void {
  process.stderr.write(`${JSON.stringify(o)}\n`);
}

function main(): void {
  const [mode, arg] = process.argv.slice(2);
  try {
    if (mode === 'copy') {
      report(writeFileOrFail('-', readFileOrFail('-', 'input file')));
    } else if (mode === 'terminal') {
      report({ outputIsTerminal: outputIsTerminal('-'), fileIsTerminal: outputIsTerminal('chip.bin') });
    } else if (mode === 'read') {
      report({ length: readFileOrFail('-', 'input file').length });
    } else if (mode === 'emit') {
      // As a command that printed through process.stdout first: Node then makes the pipe non-blocking.
      if (process.argv[4] === 'after-stdout') process.stdout.write('');
      const n = Number(arg);
      const data = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);
      report(writeFileOrFail('-', data));
      process.stdout.write('summary\n', () => process.exit(0));
    } else {
      throw new Error(`unknown mode ${String(mode)}`);
    }
  } catch (e) {
    const err = e as { code?: string; message?: string };
    report({ error: { code: err.code, message: err.message } });
    process.exitCode = 2;
  }
}

main();
