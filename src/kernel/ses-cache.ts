/**
 * The V8 code cache of the SES library, kept on disk next to this module so that the first
 * confined worker of a process (a one-shot command's driver thread) loads SES without compiling
 * it: about half of its start-up. `npm run build` makes it (`node dist/src/kernel/ses-cache.js`)
 * with a spare worker of the machine's Node, in a file named after its V8 version and
 * architecture; a file made by another Node is simply not found, and a cache V8 refuses is
 * ignored (the worker compiles SES as before). The file is as trusted as the code beside it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { distModule, packageRoot } from './paths';

/** Largest cache accepted (the SES cache is about 0.4 MB). */
export const MAX_CODE_CACHE = 16 * 1024 * 1024;

/** Next to the compiled kernel (dist/src/kernel), also when the kernel itself runs from sources. */
export function sesCacheFile(): string {
  return join(packageRoot(), 'dist', 'src', 'kernel', `ses-cache-v8-${process.versions.v8}-${process.arch}.bin`);
}

let loaded: Uint8Array | undefined | null = null;

/** The cache made for this Node, if the build made one. */
export function diskSesCache(): Uint8Array | undefined {
  if (loaded !== null) return loaded;
  loaded = undefined;
  try {
    const f = sesCacheFile();
    if (existsSync(f)) {
      const data = new Uint8Array(readFileSync(f));
      if (data.length > 0 && data.length <= MAX_CODE_CACHE) loaded = data;
    }
  } catch {
    loaded = undefined;
  }
  return loaded;
}

/** Makes the cache in a spare worker (SES loaded and locked down as in every thread) and writes it. */
export async function writeSesCache(): Promise<string> {
  const worker = new Worker(distModule('user/bootstrap'), { workerData: { spare: true } });
  try {
    const data = await new Promise<Uint8Array>((resolve, reject) => {
      worker.on('message', (m: unknown) => {
        const d = typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'ses-cache' ? (m as { data?: unknown }).data : undefined;
        if (d instanceof Uint8Array) resolve(d);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the worker exited (${code}) before making the cache`)));
    });
    const f = sesCacheFile();
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, f);
    return f;
  } finally {
    await worker.terminate();
  }
}

if (require.main === module) {
  writeSesCache().catch((e: unknown) => {
    // Not fatal: without the cache every first worker compiles SES, as it always did.
    process.stderr.write(`ses-cache: not written (${e instanceof Error ? e.message : String(e)})\n`);
  });
}
