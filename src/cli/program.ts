/**
 * The `hilbridge` command tree (commander): global options, one subcommand per job, the help
 * text with exit codes, and the runner that turns every outcome into output and an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { PROTECTED_BLOCKS, type ProtectedBlocks, type TransportKind, version } from '../index';
import { info, ps } from './commands/board';
import { demo } from './commands/demo';
import { dtCompileCmd, dtShowCmd, probe } from './commands/devicetree';
import { erase } from './commands/erase';
import { dump, read, type ReadFormat } from './commands/read';
import { protect, status } from './commands/status';
import { verify, write } from './commands/write';
import { EXIT, type ExitCode, UsageError } from './errors';
import { type CommandResult, printError, printResult } from './output';
import { type GlobalOptions, Session } from './session';

const EXIT_HELP = `
Devices are named by devicetree label (eeprom0) or path (/spi@0/eeprom@0).
Numbers: decimal (4096), hex (0x1000), or with a unit: k/KiB (x1024), M/MiB (x1048576).

Exit codes:
  0    success
  1    the operation failed (device error, verify mismatch, chip not answering)
  2    usage error (bad option or number, range past the device end, unknown device, a board or
       --image file that is missing or cannot be used); nothing was touched
  128+N  stopped by signal N: 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP (a write or
         erase stops after the page in flight and says how far it got)

Environment:
  HILBRIDGE_BOARD  board file used when --board is not given
`;

export interface Cli {
  readonly program: Command;
  /** Exit code of the command that ran (set by the runner). */
  exitCode(): ExitCode;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ board?: string; image?: string[]; json?: boolean; debug?: boolean; transport?: string; port?: string }>();
  return {
    board: o.board === '' ? undefined : o.board, // HILBRIDGE_BOARD= (empty) means unset
    image: o.image ?? [],
    json: o.json === true,
    debug: o.debug === true,
    transport: o.transport as TransportKind | undefined,
    port: o.port === '' ? undefined : o.port,
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
    .version(version(), '-V, --version')
    .addOption(new Option('--board <file>', 'board file (.dts or .dtb); default: the embedded mock board').env('HILBRIDGE_BOARD'))
    .option('--image <name=file>', 'back a mock device with a file (repeatable); created erased if missing', collect, [])
    .option('--json', 'print one machine-readable JSON object (errors as {"error":{"code","message"}})', false)
    .option('--debug', 'show stack traces on errors', false)
    .addOption(new Option('--transport <kind>', "syscall transport of the driver threads (default: the board's, else sync)").choices(['sync', 'port']))
    .addOption(new Option('--port <path>', "serial port of a serprog programmer, overriding the board's port").env('HILBRIDGE_PORT'))
    .addHelpText('after', EXIT_HELP);

  program
    .command('demo')
    .description('write a pattern across a page boundary, read it back through the driver thread, verify, hexdump')
    .option('--device <dev>', 'EEPROM to use', 'eeprom0')
    .action(withBoard((s, _g, opts: { device: string }) => demo(s, { device: opts.device })));

  program
    .command('info')
    .description('the board: buses, devices, parts, sizes, page sizes, backends, driver threads and their grants')
    .action(withBoard((s) => info(s)));

  program
    .command('ps')
    .description('user threads: state, transport, grants, partitions, syscall and bus counters')
    .action(withBoard((s) => ps(s)));

  program
    .command('read')
    .description('read LENGTH bytes at OFFSET and print them (hexdump by default)')
    .argument('<dev>', 'device label or path')
    .argument('<offset>', 'first byte (e.g. 0, 0x100, 4k)')
    .argument('<length>', 'number of bytes (e.g. 256, 0x100, 1KiB)')
    .addOption(new Option('--format <fmt>', 'hex, bin (raw bytes) or json; default hex, or bin with --out').choices(['hex', 'bin', 'json']))
    .option('--out <file>', 'write to FILE instead of standard output')
    .action(
      withBoard((s, _g, dev: string, off: string, len: string, o: { format?: ReadFormat; out?: string }) =>
        read(s, dev, off, len, { format: o.format, out: o.out }),
      ),
    );

  program
    .command('dump')
    .description('read the whole device into a file')
    .argument('<dev>', 'device label or path')
    .option('--out <file>', 'file to write (required)')
    .action(withBoard((s, _g, dev: string, o: { out?: string }) => dump(s, dev, { out: o.out })));

  program
    .command('write')
    .description('write bytes from --in FILE or --hex HEX at OFFSET, split at page boundaries, verified by default')
    .argument('<dev>', 'device label or path')
    .argument('<offset>', 'first byte to write')
    .option('--in <file>', 'bytes to write')
    .option('--hex <hex>', 'bytes to write as hex digits, e.g. "de ad be ef"')
    .option('--verify', 'read back and compare after writing (default)', true)
    .option('--no-verify', 'skip the read-back')
    .option('--force', 'write every page, even those that already hold the data', false)
    .option('--dry-run', 'print the pages that would be written, write nothing', false)
    .action(
      withBoard((s, _g, dev: string, off: string, o: { in?: string; hex?: string; verify: boolean; dryRun: boolean; force: boolean }) =>
        write(s, dev, off, { in: o.in, hex: o.hex, verify: o.verify, dryRun: o.dryRun, force: o.force }),
      ),
    );

  program
    .command('verify')
    .description('compare the device with a file: the first differing offsets and a count (exit 1 if they differ)')
    .argument('<dev>', 'device label or path')
    .option('--in <file>', 'expected contents (required)')
    .option('--offset <n>', 'device offset the file starts at', '0')
    .action(withBoard((s, _g, dev: string, o: { in?: string; offset: string }) => verify(s, dev, { in: o.in, offset: o.offset })));

  program
    .command('erase')
    .description('fill a range with a byte (default: the whole device with 0xff)')
    .argument('<dev>', 'device label or path')
    .option('--offset <n>', 'first byte (default 0)')
    .option('--length <n>', 'bytes (default: to the end of the device)')
    .option('--fill <byte>', 'fill value (default 0xff)')
    .option('--no-verify', 'skip the read-back')
    .option('--force', 'write every page, even those that already hold the fill', false)
    .action(
      withBoard((s, _g, dev: string, o: { offset?: string; length?: string; fill?: string; verify: boolean; force: boolean }) =>
        erase(s, dev, { offset: o.offset, length: o.length, fill: o.fill, verify: o.verify, force: o.force }),
      ),
    );

  program
    .command('status')
    .description('busy, write-enable latch, block protection, WPEN and the raw status register')
    .argument('<dev>', 'device label or path')
    .action(withBoard((s, _g, dev: string) => status(s, dev)));

  program
    .command('protect')
    .description('set block protection (AT25 BP1:BP0) and optionally WPEN')
    .argument('<dev>', 'device label or path')
    .addOption(new Option('--blocks <which>', 'range to protect').choices([...PROTECTED_BLOCKS]))
    .addOption(new Option('--wpen <state>', 'status-register write protection with the WP pin').choices(['on', 'off']))
    .action(
      withBoard((s, _g, dev: string, o: { blocks?: ProtectedBlocks; wpen?: 'on' | 'off' }) => protect(s, dev, { blocks: o.blocks, wpen: o.wpen })),
    );

  program
    .command('probe')
    .description("list the running Linux kernel's SPI and I2C controllers and their /dev nodes, with advice")
    .option('--root <dir>', 'live devicetree directory (default /sys/firmware/devicetree/base or /proc/device-tree)')
    .option('--dev <dir>', 'where device nodes live', '/dev')
    .action(run(false, async (_s, _g, o: { root?: string; dev: string }) => probe({ root: o.root, dev: o.dev })));

  const dt = program.command('dt').description('devicetree tools');
  dt.command('compile')
    .description('compile a DTS (or DTB) file to a DTB')
    .argument('<in>', 'input .dts or .dtb')
    .option('-o, --out <file>', 'output .dtb (required)')
    .option('-I, --include <dir>', 'directory searched by #include and /include/ (repeatable)', collect, [])
    .option('-@, --symbols', 'keep labels in a __symbols__ node (as dtc -@), so devices keep names like eeprom0')
    .action(run(false, async (_s, _g, input: string, o: { out?: string; include: string[]; symbols?: boolean }) => dtCompileCmd(input, o)));
  dt.command('show')
    .description('print a DTS or DTB file as DTS text, or as JSON with --json')
    .argument('<file>', 'input .dts or .dtb')
    .option('-I, --include <dir>', 'directory searched by #include and /include/ (repeatable)', collect, [])
    .action(run(false, async (_s, g, input: string, o: { include: string[] }) => dtShowCmd(input, { json: g.json, include: o.include })));

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
      if (e.code === 'commander.help' || e.code === 'commander.helpDisplayed') return EXIT.USAGE; // no command given: help was shown
      const message = e.message.replace(/^error: /, '');
      return printError(new UsageError('EINVAL', `${message} (see hilbridge --help)`), json, debug);
    }
    return printError(e, json, debug);
  }
}
