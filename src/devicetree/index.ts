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
export {
  loadBindings,
  validateTree,
  builtinBindings,
  defaultBindingsDir,
  bindingFor,
  withPartBindings,
  formatDiagnostics,
  PROP_TYPES,
  type Binding,
  type Bindings,
  type PropSpec,
  type PropType,
  type DtDiagnostic,
  type ValidationResult,
} from './bindings';
export {
  at25Config,
  at24Config,
  modelWriteCycleUs,
  controllerInfo,
  spidevBus,
  i2cDevBus,
  serprogSettings,
  busClockHz,
  gpioSpec,
  gpiochipNames,
  PI_GPIOCHIP_LABELS,
  chipSelect,
  enabledPath,
  userThreads,
  nodeName,
  eepromPart,
  eepromFamily,
  type ControllerInfo,
  type GpioSpec,
} from './accessors';
export { probeLiveTree, readFsTree, formatProbe, DEFAULT_LIVE_ROOTS, type ProbeResult, type ProbeController, type ProbeDevNode } from './probe';
export {
  AT24_PARTS,
  AT25_PARTS,
  EEPROM_PARTS,
  FAMILY_COMPATIBLE,
  findPart,
  partByName,
  partForCompatible,
  partConfig,
  type At24Part,
  type At25Part,
  type EepromPart,
  type PartFacts,
  type PartRow,
} from './parts';
