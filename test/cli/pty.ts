/**
 * Runs the built `hilbridge` on a pseudo-terminal (python3's pty module), the way a person at a
 * terminal runs it: standard input, output and error are the terminal, the window has a given
 * width, and the test can answer what the program prints (`steps`: wait until the screen matches,
 * then type). Typing Ctrl-C ("\x03") makes the terminal send SIGINT, as a real one does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { MAIN, ROOT } from './run-cli';

export const havePty = spawnSync('python3', ['-c', 'import pty, fcntl, termios, struct']).status === 0;

export interface PtyStep {
  /** Wait until everything shown so far matches this (a Python regular expression). */
  readonly waitFor: string;
  /** Then type this. */
  readonly send: string;
}

export interface PtyOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cols?: number;
  readonly steps?: readonly PtyStep[];
  readonly cwd?: string;
  /** What stdin is: the terminal (default), or a file whose contents are piped in (stdout/stderr stay the terminal). */
  readonly stdinFile?: string;
}

export interface PtyResult {
  readonly status: number | null;
  /** Everything that appeared on the terminal, escape sequences included. */
  readonly screen: string;
}

const DRIVER = String.raw`
import json, os, pty, re, sys, fcntl, termios, struct, select
cfg = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    if cfg.get('stdin'):
        f = os.open(cfg['stdin'], os.O_RDONLY)
        os.dup2(f, 0)
    os.execve(cfg['argv'][0], cfg['argv'], cfg['env'])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, cfg['cols'], 0, 0))
out = b''
steps = cfg['steps']
while True:
    try:
        r, _, _ = select.select([fd], [], [], 60)
    except InterruptedError:
        continue
    if not r:
        break
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
    while steps and re.search(steps[0]['waitFor'], out.decode('utf-8', 'replace'), re.S):
        os.write(fd, steps.pop(0)['send'].encode())
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(st))
`;

export function runOnPty(args: readonly string[], o: PtyOptions = {}): Promise<PtyResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, TERM: 'xterm' };
  if (!o.env || !('HILBRIDGE_BOARD' in o.env)) delete env.HILBRIDGE_BOARD;
  const cfg = {
    argv: [process.execPath, MAIN, ...args],
    env,
    cols: o.cols ?? 100,
    steps: o.steps ?? [],
    stdin: o.stdinFile,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', DRIVER, JSON.stringify(cfg)], { cwd: o.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, screen: Buffer.concat(out).toString('utf8') }));
  });
}

/**
 * The lines a person would see at the end, from a tiny terminal model: carriage return and
 * "cursor to column N" move to the line's start, "erase in line" clears, anything written
 * overwrites what is under the cursor; other escape sequences are ignored.
 */
export function visibleLines(screen: string): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  // eslint-disable-next-line no-control-regex
  const re = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b[78]|\r|\n|[^\x1b\r\n]/g;
  for (const m of screen.matchAll(re)) {
    const tok = m[0];
    if (tok === '\n') {
      lines.push(line.join('').trimEnd());
      line = [];
      col = 0;
    } else if (tok === '\r') {
      col = 0;
    } else if (m[2] === 'G') {
      col = Math.max(0, Number(m[1] || '1') - 1);
    } else if (m[2] === 'K') {
      if (m[1] === '2') line = [];
      else if (m[1] === '1') line.fill(' ', 0, col);
      else line.length = Math.min(line.length, col);
    } else if (tok.startsWith('\x1b')) {
      // other sequences (cursor save/restore, wrap mode): no visible effect here
    } else {
      while (line.length < col) line.push(' ');
      line[col++] = tok;
    }
  }
  if (line.length) lines.push(line.join('').trimEnd());
  return lines;
}

/** Every piece of text drawn between carriage returns, newlines and escape sequences. */
export function drawnSegments(screen: string): string[] {
  // eslint-disable-next-line no-control-regex
  return screen.split(/\r|\n|\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/).filter((s) => s.length > 0);
}
