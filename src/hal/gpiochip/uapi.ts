/**
 * The Linux GPIO character device ABI, version 2 (<linux/gpio.h>, Linux 5.10 and later), byte by
 * byte: ioctl numbers, structure sizes and field offsets, flag bits, and encoders/decoders for the
 * few structures the backend uses. Pure: no I/O here (sys.ts makes the calls).
 *
 * Hand-written rather than generated from the header because it is six ioctls and five structures,
 * and a header parser would be a build step on every install. test/hal/gpiochip/uapi.test.ts
 * compiles a C program against the system's <linux/gpio.h> and checks every number below.
 *
 * The ioctl numbers use the asm-generic encoding (direction in bits 30–31, size in 16–29), which
 * x86, Arm (32 and 64 bit), RISC-V and LoongArch share; structures are little-endian there. Other
 * architectures (PowerPC, MIPS, SPARC) encode ioctls differently: sys.ts refuses to run on them.
 */

export const GPIO_MAX_NAME_SIZE = 32;
export const GPIO_V2_LINES_MAX = 64;
export const GPIO_V2_LINE_NUM_ATTRS_MAX = 10;

/** Architectures whose ioctl encoding and byte order this file matches (Node's process.arch). */
export const GENERIC_IOCTL_ARCHES: readonly string[] = ['x64', 'arm64', 'arm', 'ia32', 'riscv64', 'loong64'];

const IOC_WRITE = 1;
const IOC_READ = 2;
const GPIO_IOC_MAGIC = 0xb4;

function ioc(dir: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (GPIO_IOC_MAGIC << 8) | nr) >>> 0;
}

/** Structure sizes in bytes. */
export const SIZEOF = {
  gpiochip_info: 68,
  gpio_v2_line_attribute: 16,
  gpio_v2_line_config_attribute: 24,
  gpio_v2_line_config: 272,
  gpio_v2_line_request: 592,
  gpio_v2_line_info: 256,
  gpio_v2_line_values: 16,
} as const;

/** Field offsets in bytes. */
export const OFFSET = {
  gpiochip_info: { name: 0, label: 32, lines: 64 },
  gpio_v2_line_attribute: { id: 0, padding: 4, value: 8 },
  gpio_v2_line_config_attribute: { attr: 0, mask: 16 },
  gpio_v2_line_config: { flags: 0, num_attrs: 8, padding: 12, attrs: 32 },
  gpio_v2_line_request: { offsets: 0, consumer: 256, config: 288, num_lines: 560, event_buffer_size: 564, padding: 568, fd: 588 },
  gpio_v2_line_info: { name: 0, consumer: 32, offset: 64, num_attrs: 68, flags: 72, attrs: 80, padding: 240 },
  gpio_v2_line_values: { bits: 0, mask: 8 },
} as const;

export const IOCTL = {
  GPIO_GET_CHIPINFO_IOCTL: ioc(IOC_READ, 0x01, SIZEOF.gpiochip_info),
  GPIO_V2_GET_LINEINFO_IOCTL: ioc(IOC_READ | IOC_WRITE, 0x05, SIZEOF.gpio_v2_line_info),
  GPIO_V2_GET_LINE_IOCTL: ioc(IOC_READ | IOC_WRITE, 0x07, SIZEOF.gpio_v2_line_request),
  GPIO_V2_LINE_SET_CONFIG_IOCTL: ioc(IOC_READ | IOC_WRITE, 0x0d, SIZEOF.gpio_v2_line_config),
  GPIO_V2_LINE_GET_VALUES_IOCTL: ioc(IOC_READ | IOC_WRITE, 0x0e, SIZEOF.gpio_v2_line_values),
  GPIO_V2_LINE_SET_VALUES_IOCTL: ioc(IOC_READ | IOC_WRITE, 0x0f, SIZEOF.gpio_v2_line_values),
} as const;

/** enum gpio_v2_line_flag (all below 2^13, so plain numbers are exact). */
export const LINE_FLAG = {
  USED: 1 << 0,
  ACTIVE_LOW: 1 << 1,
  INPUT: 1 << 2,
  OUTPUT: 1 << 3,
  EDGE_RISING: 1 << 4,
  EDGE_FALLING: 1 << 5,
  OPEN_DRAIN: 1 << 6,
  OPEN_SOURCE: 1 << 7,
  BIAS_PULL_UP: 1 << 8,
  BIAS_PULL_DOWN: 1 << 9,
  BIAS_DISABLED: 1 << 10,
  EVENT_CLOCK_REALTIME: 1 << 11,
  EVENT_CLOCK_HTE: 1 << 12,
} as const;

/** enum gpio_v2_line_attr_id. */
export const LINE_ATTR_ID = { FLAGS: 1, OUTPUT_VALUES: 2, DEBOUNCE: 3 } as const;

export interface ChipInfo {
  /** The kernel's device name, e.g. "gpiochip0". */
  readonly name: string;
  /** The driver's label, e.g. "pinctrl-bcm2711". */
  readonly label: string;
  readonly lines: number;
}

export interface LineInfo {
  readonly offset: number;
  readonly name: string;
  /** Who holds the line ("" when nobody does). */
  readonly consumer: string;
  readonly flags: number;
  readonly used: boolean;
}

/** One gpio_v2_line_config_attribute: flags, output values or a debounce period for the lines in `mask`. */
export type LineConfigAttr =
  | { readonly id: typeof LINE_ATTR_ID.FLAGS; readonly flags: number; readonly mask: bigint }
  | { readonly id: typeof LINE_ATTR_ID.OUTPUT_VALUES; readonly values: bigint; readonly mask: bigint }
  | { readonly id: typeof LINE_ATTR_ID.DEBOUNCE; readonly periodUs: number; readonly mask: bigint };

export interface LineConfig {
  /** Flags of every line no FLAGS attribute covers. */
  readonly flags: number;
  readonly attrs?: readonly LineConfigAttr[];
}

function cstring(buf: Uint8Array, off: number, size: number): string {
  const field = buf.subarray(off, off + size);
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end < 0 ? size : end)).toString('utf8');
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function decodeChipInfo(buf: Uint8Array): ChipInfo {
  const o = OFFSET.gpiochip_info;
  return {
    name: cstring(buf, o.name, GPIO_MAX_NAME_SIZE),
    label: cstring(buf, o.label, GPIO_MAX_NAME_SIZE),
    lines: view(buf).getUint32(o.lines, true),
  };
}

/** Writes a gpio_v2_line_config at `at` (padding stays zero, as the kernel insists). */
export function encodeLineConfig(cfg: LineConfig, buf: Uint8Array = new Uint8Array(SIZEOF.gpio_v2_line_config), at = 0): Uint8Array {
  const attrs = cfg.attrs ?? [];
  if (attrs.length > GPIO_V2_LINE_NUM_ATTRS_MAX) throw new RangeError(`a line config holds at most ${GPIO_V2_LINE_NUM_ATTRS_MAX} attributes, got ${attrs.length}`);
  const v = view(buf);
  const o = OFFSET.gpio_v2_line_config;
  v.setBigUint64(at + o.flags, BigInt(cfg.flags), true);
  v.setUint32(at + o.num_attrs, attrs.length, true);
  attrs.forEach((a, i) => {
    const base = at + o.attrs + i * SIZEOF.gpio_v2_line_config_attribute;
    const value = base + OFFSET.gpio_v2_line_attribute.value;
    v.setUint32(base + OFFSET.gpio_v2_line_attribute.id, a.id, true);
    if (a.id === LINE_ATTR_ID.FLAGS) v.setBigUint64(value, BigInt(a.flags), true);
    else if (a.id === LINE_ATTR_ID.OUTPUT_VALUES) v.setBigUint64(value, a.values, true);
    else v.setUint32(value, a.periodUs, true);
    v.setBigUint64(base + OFFSET.gpio_v2_line_config_attribute.mask, a.mask, true);
  });
  return buf;
}

export function encodeLineRequest(offsets: readonly number[], consumer: string, cfg: LineConfig, eventBufferSize = 0): Uint8Array {
  if (offsets.length === 0 || offsets.length > GPIO_V2_LINES_MAX) throw new RangeError(`a request takes 1..${GPIO_V2_LINES_MAX} lines, got ${offsets.length}`);
  const name = Buffer.from(consumer, 'utf8');
  if (name.length >= GPIO_MAX_NAME_SIZE) throw new RangeError(`consumer name "${consumer}" is ${name.length} bytes; the kernel keeps at most ${GPIO_MAX_NAME_SIZE - 1}`);
  const buf = new Uint8Array(SIZEOF.gpio_v2_line_request);
  const v = view(buf);
  const o = OFFSET.gpio_v2_line_request;
  offsets.forEach((off, i) => v.setUint32(o.offsets + 4 * i, off, true));
  buf.set(name, o.consumer);
  encodeLineConfig(cfg, buf, o.config);
  v.setUint32(o.num_lines, offsets.length, true);
  v.setUint32(o.event_buffer_size, eventBufferSize, true);
  return buf;
}

/** The request descriptor the kernel wrote back into a gpio_v2_line_request. */
export function decodeLineRequestFd(buf: Uint8Array): number {
  return view(buf).getInt32(OFFSET.gpio_v2_line_request.fd, true);
}

/** A gpio_v2_line_info asking about line `offset` (everything else zero). */
export function encodeLineInfoQuery(offset: number): Uint8Array {
  const buf = new Uint8Array(SIZEOF.gpio_v2_line_info);
  view(buf).setUint32(OFFSET.gpio_v2_line_info.offset, offset, true);
  return buf;
}

export function decodeLineInfo(buf: Uint8Array): LineInfo {
  const o = OFFSET.gpio_v2_line_info;
  const v = view(buf);
  const flags = Number(v.getBigUint64(o.flags, true));
  return {
    offset: v.getUint32(o.offset, true),
    name: cstring(buf, o.name, GPIO_MAX_NAME_SIZE),
    consumer: cstring(buf, o.consumer, GPIO_MAX_NAME_SIZE),
    flags,
    used: (flags & LINE_FLAG.USED) !== 0,
  };
}

export function encodeLineValues(bits: bigint, mask: bigint): Uint8Array {
  const buf = new Uint8Array(SIZEOF.gpio_v2_line_values);
  const v = view(buf);
  v.setBigUint64(OFFSET.gpio_v2_line_values.bits, bits, true);
  v.setBigUint64(OFFSET.gpio_v2_line_values.mask, mask, true);
  return buf;
}

export function decodeLineValueBits(buf: Uint8Array): bigint {
  return view(buf).getBigUint64(OFFSET.gpio_v2_line_values.bits, true);
}
