/**
 * The devicetree module's public surface: DTS/DTB parsing and writing, bindings, typed
 * accessors for drivers, and the live-tree probe. The kernel and the CLI import from here.
 */
export * from './tree';
export { DtsError, formatDiagnostic } from './dts-error';
export { parseDts, parseDtsFile, type ParseOptions } from './parse';
export { toDtb, fromDtb } from './dtb';
export { toDtsText, toJson, guessValue, type JsonTree, type JsonNode, type JsonValue } from './dts-print';
export { dtCompile, dtShow, loadTree, type CompileResult, type ShowOptions } from './commands';
