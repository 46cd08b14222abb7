/**
 * Lets a plain `node` child process require the project's TypeScript sources: a require hook
 * that transpiles .ts files with @swc/core (already a devDependency, the same transform Jest uses).
 * Used for the child processes that run the hardware backends under the LD_PRELOAD shim.
 */
'use strict';
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
