/**
 * The `hilbridge` command tree (commander): global options, one subcommand per job, the help
 * text with exit codes and environment, and the runner that turns every outcome into output and
 * an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { PROTECTED_BLOCKS, type ProtectedBlocks, type TransportKind, version } from '../index';
import { info, ps } from './commands/board';
import { boardList, boardNew } from './commands/board-file';
import { completionScript, deviceNames } from './completion';
import { demo } from './commands/demo';
import { dtCompileCmd, dtShowCmd, probe } from './commands/devicetree';
import { blank, erase } from './commands/erase';
import { parts } from './commands/parts';
import { dump, DUMP_FORMATS, read, READ_FORMATS, type ReadFormat } from './commands/read';
import { protect, status } from './commands/status';
import { verify, write } from './commands/write';
import { EXIT, type ExitCode, UsageError } from './errors';
import { isStdio } from './files';
import { type FileFormat, INPUT_FORMATS, type InputFormat } from './images';
import { type CommandResult, type OutputRoute, printError, printResult } from './output';
import { type GlobalOptions, Session } from './session';

const EXIT_HELP = `
Devices are named by devicetree label (eeprom0) or path (/spi@0/eeprom@0).
Numbers: decimal (4096), hex (0x1000), or with a unit: k/KiB (x1024), M/MiB (x1048576).
Files: - is standard input for --in and standard output for --out.

Exit codes:
  0    success
  1    the operation failed (device error, verify mismatch, not blank, chip not answering, not confirmed)
  2    usage error (bad option, number or range, an input file that is empty or not a valid image,
       unknown device, a board or --image file that is missing or cannot be used, a real chip
       changed without --yes and no terminal to ask on); nothing was touched
  128+N  stopped by signal N: 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP (a write or
         erase stops after the page in flight and says how far it got)

Environment:
  HILBRIDGE_BOARD  board file or shipped board name used when --board is not given
  HILBRIDGE_PORT   serial port of a serprog programmer, as --port
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
  const o = cmd.optsWithGlobals<{
    board?: string;
    image?: string[];
    json?: boolean;
    debug?: boolean;
    quiet?: boolean;
    yes?: boolean;
    transport?: string;
    port?: string;
  }>();
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return {
    board: o.board === '' ? undefined : o.board, // HILBRIDGE_BOARD= (empty) means unset
    boardFromEnv: root.getOptionValueSource('board') === 'env',
    image: o.image ?? [],
    json: o.json === true,
    debug: o.debug === true,
    quiet: o.quiet === true,
    yes: o.yes === true,
    transport: o.transport as TransportKind | undefined,
    port: o.port === '' ? undefined : o.port,
  };
}

/** The full command line of a subcommand, for the comment `board new` leaves in its file. */
function commandLine(argv: readonly string[]): string {
  return `hilbridge ${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`;
}

export function buildCli(argv: readonly string[] = []): Cli {
  let code: ExitCode = EXIT.OK;

  /**
   * Wraps a command body: boots when it needs the board, prints the result or the error.
   * `dataOut` names the option that may send data to standard output (`--out -`).
   */
  const run =
    <A extends unknown[]>(
      needsBoard: boolean,
      body: (s: Session | undefined, g: GlobalOptions, ...args: A) => Promise<CommandResult>,
      o: { dataOut?: boolean; warnings?: boolean } = {},
    ) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const g = globals(cmd);
      const positional = args.slice(0, -1) as A;
      const opts = cmd.opts<{ out?: string }>();
      const route: OutputRoute = { json: g.json, quiet: g.quiet, debug: g.debug, dataOnStdout: o.dataOut === true && isStdio(opts.out) };
      try {
        const result = needsBoard
          ? await Session.run(g, (s) => body(s, g, ...positional), { warnings: o.warnings !== false })
          : await body(undefined, g, ...positional);
        code = await printResult(result, route);
      } catch (e) {
        code = await printError(e, route);
      }
    };
  const withBoard = <A extends unknown[]>(body: (s: Session, g: GlobalOptions, ...args: A) => Promise<CommandResult>, o: { dataOut?: boolean; warnings?: boolean } = {}) =>
    run<A>(true, (s, g, ...a) => body(s!, g, ...a), o);
  /** `--offset`/`--length`: the older spellings of the OFFSET and LENGTH arguments, kept working but not shown. */
  const hidden = (flags: string, description: string): Option => new Option(flags, description).hideHelp();

  const program = new Command('hilbridge');
  program
    .description('Hardware-in-the-loop bridge for SPI and I2C EEPROMs: read, write, verify and inspect chips on a board')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .showHelpAfterError(false)
    .helpCommand(false)
    .version(version(), '-V, --version')
    .addOption(new Option('--board <file|name>', 'board file (.dts or .dtb) or a shipped board by name (hilbridge board list); default: the embedded mock board').env('HILBRIDGE_BOARD'))
    .option('--image <name=file>', 'back a mock device with a file (repeatable); created erased if missing', collect, [])
    .option('--json', 'print one machine-readable JSON object (errors as {"error":{"code","message"}})')
    .option('-q, --quiet', 'print data and errors only: no summaries, warnings or progress bars')
    .option('-y, --yes', 'change a real chip (write, erase, protect, demo) without asking')
    .option('--debug', 'show stack traces on errors')
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
    .description('the board: buses, devices, parts, sizes, page sizes, backends, driver threads and their grants, warnings')
    .action(withBoard((s) => info(s), { warnings: false }));

  program
    .command('ps')
    .description('user threads: state, transport, grants, partitions, syscall and bus counters')
    .action(withBoard((s) => ps(s)));

  program
    .command('read')
    .description('read LENGTH bytes at OFFSET and print them (a hexdump by default)')
    .argument('<dev>', 'device label or path')
    .argument('<offset>', 'first byte (e.g. 0, 0x100, 4k)')
    .argument('<length>', 'number of bytes (e.g. 256, 0x100, 1KiB)')
    .addOption(
      new Option('--format <fmt>', 'hex is a hexdump, bin raw bytes, ihex Intel HEX, srec S-records; default hex, or with --out by its extension (.hex, .srec/.s19, else bin)').choices([
        ...READ_FORMATS,
      ]),
    )
    .option('--out <file>', 'write to FILE instead of standard output (- is standard output, with messages on standard error)')
    .option('-v, --no-squeeze', 'hexdump: print every line (repeated lines are folded into * by default)')
    .action(
      withBoard(
        (s, _g, dev: string, off: string, len: string, o: { format?: ReadFormat; out?: string; squeeze: boolean }) => read(s, dev, off, len, { format: o.format, out: o.out, squeeze: o.squeeze }),
        { dataOut: true },
      ),
    );

  program
    .command('dump')
    .description('read the whole device into a file (raw binary, Intel HEX or S-records)')
    .argument('<dev>', 'device label or path')
    .option('--out <file>', 'file to write (required; - for standard output, e.g. dump eeprom0 --out - > backup.bin)')
    .addOption(new Option('--format <fmt>', 'raw binary, Intel HEX or S-records; default by the --out extension (.hex, .srec/.s19, else bin)').choices([...DUMP_FORMATS]))
    .action(withBoard((s, _g, dev: string, o: { out?: string; format?: FileFormat }) => dump(s, dev, { out: o.out, format: o.format }), { dataOut: true }));

  program
    .command('write')
    .description('write --in FILE (raw, Intel HEX or S-records) or --hex HEX at OFFSET: split at pages, unchanged pages skipped, verified')
    .argument('<dev>', 'device label or path')
    .argument('[offset]', 'where the file\'s first byte goes (raw), or added to its addresses (Intel HEX, S-records); default 0')
    .option('--in <file>', 'bytes to write (- for standard input)')
    .option('--hex <hex>', 'bytes to write as hex digits, e.g. "de ad be ef"')
    .addOption(new Option('--format <fmt>', 'format of --in; auto tells raw binary, Intel HEX and S-records apart by content').choices([...INPUT_FORMATS]).default('auto'))
    .option('--no-verify', 'skip the read-back (by default every page written is read back and compared)')
    .option('--force', 'write every page, even those that already hold the data')
    .option('--dry-run', 'print the pages that would be written (per range of the file), write nothing')
    .addOption(hidden('--offset <n>', 'same as the OFFSET argument'))
    .action(
      withBoard(
        (s, _g, dev: string, off: string | undefined, o: { in?: string; hex?: string; format: InputFormat; verify: boolean; dryRun?: boolean; force?: boolean; offset?: string }) =>
          write(s, dev, off, { in: o.in, hex: o.hex, format: o.format, offset: o.offset, verify: o.verify, dryRun: o.dryRun === true, force: o.force === true }),
      ),
    );

  program
    .command('verify')
    .description('compare the device with --in FILE (raw, Intel HEX or S-records): the first differing offsets and a count (exit 1 if they differ)')
    .argument('<dev>', 'device label or path')
    .argument('[offset]', 'as for write: where a raw file starts, or added to a file\'s addresses; default 0')
    .option('--in <file>', 'expected contents (required; - for standard input)')
    .option('--hex <hex>', 'expected bytes as hex digits')
    .addOption(new Option('--format <fmt>', 'format of --in; auto tells raw binary, Intel HEX and S-records apart by content').choices([...INPUT_FORMATS]).default('auto'))
    .addOption(hidden('--offset <n>', 'same as the OFFSET argument'))
    .action(
      withBoard((s, _g, dev: string, off: string | undefined, o: { in?: string; hex?: string; offset?: string; format: InputFormat }) =>
        verify(s, dev, off, { in: o.in, hex: o.hex, offset: o.offset, format: o.format }),
      ),
    );

  program
    .command('erase')
    .description('fill a range with a byte (default: the whole device with 0xff)')
    .argument('<dev>', 'device label or path')
    .argument('[offset]', 'first byte (default 0)')
    .argument('[length]', 'bytes (default: to the end of the device)')
    .option('--fill <byte>', 'fill value (default 0xff)')
    .option('--no-verify', 'skip the read-back (by default every page written is read back and compared)')
    .option('--force', 'write every page, even those that already hold the fill')
    .addOption(hidden('--offset <n>', 'same as the OFFSET argument'))
    .addOption(hidden('--length <n>', 'same as the LENGTH argument'))
    .action(
      withBoard((s, _g, dev: string, off: string | undefined, len: string | undefined, o: { offset?: string; length?: string; fill?: string; verify: boolean; force?: boolean }) =>
        erase(s, dev, off, len, { offset: o.offset, length: o.length, fill: o.fill, verify: o.verify, force: o.force }),
      ),
    );

  program
    .command('blank')
    .description('blank check: is the range all 0xff? (default: the whole device; exit 1 if not)')
    .argument('<dev>', 'device label or path')
    .argument('[offset]', 'first byte (default 0)')
    .argument('[length]', 'bytes (default: to the end of the device)')
    .addOption(hidden('--offset <n>', 'same as the OFFSET argument'))
    .addOption(hidden('--length <n>', 'same as the LENGTH argument'))
    .action(withBoard((s, _g, dev: string, off: string | undefined, len: string | undefined, o: { offset?: string; length?: string }) => blank(s, dev, off, len, o)));

  program
    .command('status')
    .description('busy, write-enable latch, block protection, WPEN and the raw status register')
    .argument('<dev>', 'device label or path')
    .action(withBoard((s, _g, dev: string) => status(s, dev)));

  program
    .command('protect')
    .description('set block protection (AT25 BP1:BP0) and/or WPEN')
    .argument('<dev>', 'device label or path')
    .addOption(new Option('--blocks <which>', 'range to protect').choices([...PROTECTED_BLOCKS]))
    .addOption(new Option('--wpen <state>', 'status-register write protection with the WP pin').choices(['on', 'off']))
    .action(
      withBoard((s, _g, dev: string, o: { blocks?: ProtectedBlocks; wpen?: 'on' | 'off' }) => protect(s, dev, { blocks: o.blocks, wpen: o.wpen })),
    );

  program
    .command('parts')
    .description('the supported AT25/AT24 parts (and other makers\' equivalents): size, page, address width, write cycle, compatible')
    .argument('[name]', 'a part, or part of a name (AT25256, 25LC, M95)')
    .addOption(new Option('--bus <bus>', 'only SPI (AT25) or I2C (AT24) parts').choices(['spi', 'i2c']))
    .action(run(false, async (_s, _g, name: string | undefined, o: { bus?: 'spi' | 'i2c' }) => parts({ name, bus: o.bus })));

  const board = program.command('board').description('board files: write one for your part and bus, list the shipped ones');
  board
    .command('new')
    .description('write a board file for one part on one bus (e.g. --part AT25640 --spi 0.0)')
    .option('--part <name>', 'the part (hilbridge parts lists them), e.g. AT25256, AT24C02, 25LC640A, M95256')
    .option('--spi <bus.cs>', 'Raspberry Pi SPI through spidev: /dev/spidevB.C, e.g. 0.0')
    .option('--i2c <bus@addr>', 'Raspberry Pi I2C through i2c-dev: /dev/i2c-N and the address, e.g. 1@0x50')
    .option('--serprog <port>', 'a USB serprog programmer on PORT, e.g. /dev/ttyACM0')
    .option('--mock', 'a simulated bus (to try the part without hardware)')
    .option('-o, --out <file>', 'board file to write (- for standard output)', 'board.dts')
    .option('--label <label>', 'the device\'s name in commands', 'eeprom0')
    .option('--speed <hz>', 'SPI clock in Hz (default 2000000, safe on jumper wires)')
    .option('--read-only', 'mark the chip read-only: hilbridge will refuse every write')
    .option('--force', 'replace the file if it exists')
    .action(
      run(false, async (_s, _g, o: { part?: string; spi?: string; i2c?: string; serprog?: string; mock?: boolean; out: string; label: string; speed?: string; readOnly?: boolean; force?: boolean }) =>
        boardNew(o, commandLine(argv)),
        { dataOut: true },
      ),
    );
  board
    .command('list')
    .description('the boards that ship with hilbridge, usable as --board NAME')
    .action(run(false, async () => boardList()));

  program
    .command('probe')
    .description("list the running Linux kernel's SPI and I2C controllers and their /dev nodes, and its GPIO chips (with --board: which chip the board's GPIO lines resolve to), with advice")
    .option('--root <dir>', 'live devicetree directory (default /sys/firmware/devicetree/base or /proc/device-tree)')
    .option('--dev <dir>', 'where device nodes live', '/dev')
    .action(run(false, async (_s, g, o: { root?: string; dev: string }) => probe({ root: o.root, dev: o.dev, board: g.board })));

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

  program
    .command('completion')
    .description('print a shell completion script: bash (add to ~/.bashrc: source <(hilbridge completion bash)) or zsh')
    .addArgument(program.createArgument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action(run(false, async (_s, _g, shell: 'bash' | 'zsh') => ({ data: { shell, script: completionScript(program, shell) }, text: completionScript(program, shell) })));

  // Used by the completion scripts: the devices of the board, without booting it.
  program
    .command('__devices', { hidden: true })
    .action(run(false, async (_s, g) => {
      const names = deviceNames(g.board);
      return { data: { devices: names }, text: names.length ? `${names.join('\n')}\n` : '' };
    }));

  program
    .command('help')
    .description('show the help of a command (e.g. hilbridge help write, hilbridge help dt compile)')
    .argument('[command...]', 'the command')
    .action(
      run(false, async (_s, _g, path: string[]) => {
        let cmd: Command = program;
        for (const [i, name] of path.entries()) {
          const sub = cmd.commands.find((c) => (c.name() === name || c.aliases().includes(name)) && !(c as unknown as { _hidden?: boolean })._hidden);
          if (!sub) {
            const where = i === 0 ? 'hilbridge' : `hilbridge ${path.slice(0, i).join(' ')}`;
            const known = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
            throw new UsageError('EINVAL', `${where} has no command '${name}'; its commands: ${known.join(', ')}`);
          }
          cmd = sub;
        }
        return { data: { help: cmd.helpInformation() }, text: cmd.helpInformation() };
      }),
    );

  return {
    program,
    exitCode: () => code,
  };
}

/** Parses `argv` (without node and script), runs the command, and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const cli = buildCli(argv);
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const route = { json, debug, dataOnStdout: false };
  try {
    await cli.program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT.OK; // --help, --version
      if (e.code === 'commander.help' || e.code === 'commander.helpDisplayed') return EXIT.USAGE; // no command given: help was shown
      const message = e.message.replace(/^error: /, '');
      return printError(new UsageError('EINVAL', `${message} (see hilbridge --help)`), route);
    }
    return printError(e, route);
  }
}
