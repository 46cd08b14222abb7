/**
 * The `hilbridge` command tree (commander): global options, one subcommand per job, the help
 * text with exit codes, and the runner that turns every outcome into output and an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import type { TransportKind } from '../abi/boot-info';
import { demo } from './commands/demo';
import { EXIT, type ExitCode, UsageError } from './errors';
import { type CommandResult, printError, printResult } from './output';
import { type GlobalOptions, Session } from './session';

const EXIT_HELP = `
Devices are named by devicetree label (eeprom0) or path (/spi@0/eeprom@0).
Numbers: decimal (4096), hex (0x1000), or with a unit: k/KiB (x1024), M/MiB (x1048576).

Exit codes:
  0    success
  1    the operation failed (device error, verify mismatch, chip not answering)
  2    usage error (bad option or number, range past the device end, unknown device or board file)
  130  interrupted with Ctrl-C (a write or erase stops after the page in flight)

Environment:
  HILBRIDGE_BOARD  board file used when --board is not given`;

export interface Cli {
  readonly program: Command;
  /** Exit code of the command that ran (set by the runner). */
  exitCode(): ExitCode;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ board?: string; image?: string[]; json?: boolean; debug?: boolean; transport?: string }>();
  return {
    board: o.board,
    image: o.image ?? [],
    json: o.json === true,
    debug: o.debug === true,
    transport: (o.transport ?? 'sync') as TransportKind,
  };
}

export function buildCli(): Cli {
  let code: ExitCode = EXIT.OK;

  /** Wraps a command body: boots when it needs the board, prints the result or the error. */
  const run =
    <A extends unknown[]>(needsBoard: boolean, body: (s: Session | undefined, g: GlobalOptions, ...args: A) => Promise<CommandResult>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const g = globals(cmd);
      const positional = args.slice(0, -1) as A;
      try {
        const result = needsBoard ? await Session.run(g, (s) => body(s, g, ...positional)) : await body(undefined, g, ...positional);
        code = await printResult(result, g.json);
      } catch (e) {
        code = await printError(e, g.json, g.debug);
      }
    };
  const withBoard = <A extends unknown[]>(body: (s: Session, g: GlobalOptions, ...args: A) => Promise<CommandResult>) =>
    run<A>(true, (s, g, ...a) => body(s!, g, ...a));

  const program = new Command('hilbridge');
  program
    .description('Hardware-in-the-loop bridge for SPI and I2C EEPROMs: read, write, verify and inspect chips on a board')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .showHelpAfterError(false)
    .addOption(new Option('--board <file>', 'board file (.dts or .dtb); default: the embedded mock board').env('HILBRIDGE_BOARD'))
    .option('--image <name=file>', 'back a mock device with a file (repeatable); created erased if missing', collect, [])
    .option('--json', 'print one machine-readable JSON object (errors as {"error":{"code","message"}})', false)
    .option('--debug', 'show stack traces on errors', false)
    .addOption(new Option('--transport <kind>', 'syscall transport of the driver threads').choices(['sync', 'port']).default('sync'))
    .addHelpText('after', EXIT_HELP);

  program
    .command('demo')
    .description('write a pattern across a page boundary, read it back through the driver thread, verify, hexdump')
    .option('--device <dev>', 'EEPROM to use', 'eeprom0')
    .action(withBoard((s, _g, opts: { device: string }) => demo(s, { device: opts.device })));

  return {
    program,
    exitCode: () => code,
  };
}

/** Parses `argv` (without node and script), runs the command, and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const cli = buildCli();
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  try {
    await cli.program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT.OK; // --help, --version
      const message = e.message.replace(/^error: /, '');
      return printError(new UsageError('EINVAL', `${message} (see hilbridge --help)`), json, debug);
    }
    return printError(e, json, debug);
  }
}
