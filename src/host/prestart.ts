/**
 * For one-shot programs built on the library (the `hilbridge` command is one): start a confined
 * worker ahead of need, before the rest of the program loads, so that its start overlaps loading
 * modules, parsing the board and booting; the first confined thread that fits adopts it (see
 * kernel/spare.ts). Importing this module loads nothing else of the library, which is why it is
 * its own entry rather than only a name in index.ts.
 */
export { startSpareWorker } from '../kernel/spare';
