/**
 * Where compiled user-side code lives. Worker threads load plain JavaScript from dist/, whether the
 * kernel itself runs compiled (CLI, library) or from TypeScript sources (Jest), so every path is
 * resolved from the package root rather than from this file's own location.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { HilError } from '../abi/errno';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'hilbridge') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new HilError('ENOENT', 'cannot find the hilbridge package root (package.json)');
    dir = up;
  }
}

/** A compiled module under dist/src, e.g. distModule('user/bootstrap'). */
export function distModule(rel: string): string {
  const p = join(packageRoot(), 'dist', 'src', `${rel}.js`);
  if (!existsSync(p)) throw new HilError('ENOENT', `${p} is missing: run \`npm run build\` first`);
  return p;
}

/** Built-in user programs, by the name a devicetree `program` property or spawn() uses. */
const BUILTIN_PROGRAMS: Readonly<Record<string, string>> = {
  'eeprom-server': 'userdrivers/programs/eeprom-server',
};

/** Resolves a program name or a path to a JavaScript file to an absolute path. */
export function resolveProgram(program: string): string {
  const builtin = BUILTIN_PROGRAMS[program];
  if (builtin) return distModule(builtin);
  const p = isAbsolute(program) ? program : resolve(program);
  if (!existsSync(p)) {
    throw new HilError('ENOENT', `user program "${program}" is neither a built-in (${Object.keys(BUILTIN_PROGRAMS).join(', ')}) nor an existing file`);
  }
  return p;
}
