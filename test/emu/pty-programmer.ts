/**
 * A serprog programmer on a real pseudo-terminal: a python3 helper (pty-pair.py) owns the pty and
 * relays its master side to this process, where SerprogEmulator answers. The code under test
 * opens `path` with serialport exactly as it would open /dev/ttyACM0. `unplug()` kills the helper,
 * closing the pty under the open port.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { SerprogEmulator, type SerprogEmulatorOptions } from './serprog-emulator';

export class PtyProgrammer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly path: string,
    readonly emulator: SerprogEmulator,
  ) {}

  static async start(opts: SerprogEmulatorOptions): Promise<PtyProgrammer> {
    const child = spawn(process.env.PYTHON ?? 'python3', [join(__dirname, 'pty-pair.py')], { stdio: 'pipe' });
    const emulator = new SerprogEmulator(opts, (bytes) => {
      if (!child.stdin.destroyed) child.stdin.write(bytes);
    });
    const path = await new Promise<string>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const nl = head.indexOf(0x0a);
        if (nl < 0) return;
        child.stdout.off('data', onData);
        const rest = head.subarray(nl + 1);
        child.stdout.on('data', (c: Buffer) => emulator.input(c));
        if (rest.length) emulator.input(rest);
        resolve(head.subarray(0, nl).toString());
      };
      child.stdout.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`pty helper exited (${code})`)));
    });
    child.stdin.on('error', () => undefined); // writes after unplug
    return new PtyProgrammer(child, path, emulator);
  }

  /** Pulls the cable: the pty closes under whoever has it open. */
  async unplug(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await gone;
  }
}
