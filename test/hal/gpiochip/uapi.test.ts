/**
 * The hand-written GPIO uAPI v2 layouts (src/hal/gpiochip/uapi.ts) against the system's own
 * <linux/gpio.h>: a small C program prints every size, offset and ioctl number, and decodes the
 * bytes our encoders produce with the kernel's structure definitions.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeChipInfo,
  decodeLineInfo,
  encodeLineConfig,
  encodeLineRequest,
  encodeLineValues,
  IOCTL,
  LINE_ATTR_ID,
  LINE_FLAG,
  OFFSET,
  SIZEOF,
} from '../../../src/hal/gpiochip/uapi';

const PROGRAM = String.raw`
#include <linux/gpio.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const char *s, void *out, size_t n) {
  unsigned char *b = out;
  for (size_t i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &b[i]);
}

#define S(t) printf("\"%s\":%zu,", #t, sizeof(struct t))
#define O(t, f) printf("\"%s.%s\":%zu,", #t, #f, offsetof(struct t, f))
#define I(n) printf("\"%s\":%lu,", #n, (unsigned long)(n))

int main(int argc, char **argv) {
  if (argc == 1) {
    printf("{");
    S(gpiochip_info); S(gpio_v2_line_attribute); S(gpio_v2_line_config_attribute); S(gpio_v2_line_config);
    S(gpio_v2_line_request); S(gpio_v2_line_info); S(gpio_v2_line_values);
    O(gpiochip_info, name); O(gpiochip_info, label); O(gpiochip_info, lines);
    O(gpio_v2_line_attribute, id); O(gpio_v2_line_attribute, padding); O(gpio_v2_line_attribute, flags);
    O(gpio_v2_line_config_attribute, attr); O(gpio_v2_line_config_attribute, mask);
    O(gpio_v2_line_config, flags); O(gpio_v2_line_config, num_attrs); O(gpio_v2_line_config, padding); O(gpio_v2_line_config, attrs);
    O(gpio_v2_line_request, offsets); O(gpio_v2_line_request, consumer); O(gpio_v2_line_request, config);
    O(gpio_v2_line_request, num_lines); O(gpio_v2_line_request, event_buffer_size); O(gpio_v2_line_request, padding); O(gpio_v2_line_request, fd);
    O(gpio_v2_line_info, name); O(gpio_v2_line_info, consumer); O(gpio_v2_line_info, offset); O(gpio_v2_line_info, num_attrs);
    O(gpio_v2_line_info, flags); O(gpio_v2_line_info, attrs); O(gpio_v2_line_info, padding);
    O(gpio_v2_line_values, bits); O(gpio_v2_line_values, mask);
    I(GPIO_GET_CHIPINFO_IOCTL); I(GPIO_V2_GET_LINEINFO_IOCTL); I(GPIO_V2_GET_LINE_IOCTL); I(GPIO_V2_LINE_SET_CONFIG_IOCTL);
    I(GPIO_V2_LINE_GET_VALUES_IOCTL); I(GPIO_V2_LINE_SET_VALUES_IOCTL);
    I(GPIO_V2_LINE_FLAG_USED); I(GPIO_V2_LINE_FLAG_ACTIVE_LOW); I(GPIO_V2_LINE_FLAG_INPUT); I(GPIO_V2_LINE_FLAG_OUTPUT);
    I(GPIO_V2_LINE_FLAG_EDGE_RISING); I(GPIO_V2_LINE_FLAG_EDGE_FALLING); I(GPIO_V2_LINE_FLAG_OPEN_DRAIN); I(GPIO_V2_LINE_FLAG_OPEN_SOURCE);
    I(GPIO_V2_LINE_FLAG_BIAS_PULL_UP); I(GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN); I(GPIO_V2_LINE_FLAG_BIAS_DISABLED);
    I(GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME); I(GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE);
    I(GPIO_V2_LINE_ATTR_ID_FLAGS); I(GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES); I(GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
    printf("\"end\":0}\n");
    return 0;
  }
  if (strcmp(argv[1], "request") == 0) {
    struct gpio_v2_line_request r;
    hex(argv[2], &r, sizeof r);
    struct gpio_v2_line_config *c = &r.config;
    printf("{\"offsets\":[%u,%u],\"consumer\":\"%s\",\"num_lines\":%u,\"event_buffer_size\":%u,", r.offsets[0], r.offsets[1], r.consumer, r.num_lines, r.event_buffer_size);
    printf("\"flags\":%llu,\"num_attrs\":%u,\"attrs\":[", (unsigned long long)c->flags, c->num_attrs);
    for (unsigned i = 0; i < c->num_attrs; i++)
      printf("%s{\"id\":%u,\"value\":%llu,\"debounce\":%u,\"mask\":%llu}", i ? "," : "", c->attrs[i].attr.id,
             (unsigned long long)c->attrs[i].attr.values, c->attrs[i].attr.debounce_period_us, (unsigned long long)c->attrs[i].mask);
    printf("]}\n");
    return 0;
  }
  if (strcmp(argv[1], "values") == 0) {
    struct gpio_v2_line_values v;
    hex(argv[2], &v, sizeof v);
    printf("{\"bits\":\"%llu\",\"mask\":\"%llu\"}\n", (unsigned long long)v.bits, (unsigned long long)v.mask);
    return 0;
  }
  if (strcmp(argv[1], "chipinfo") == 0) {
    struct gpiochip_info ci;
    memset(&ci, 0, sizeof ci);
    strcpy(ci.name, "gpiochip4");
    strcpy(ci.label, "pinctrl-rp1");
    ci.lines = 54;
    fwrite(&ci, sizeof ci, 1, stdout);
    return 0;
  }
  if (strcmp(argv[1], "lineinfo") == 0) {
    struct gpio_v2_line_info li;
    memset(&li, 0, sizeof li);
    strcpy(li.name, "GPIO17");
    strcpy(li.consumer, "spi0 CS1");
    li.offset = 17;
    li.flags = GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW;
    fwrite(&li, sizeof li, 1, stdout);
    return 0;
  }
  return 2;
}
`;

let dir: string;
let exe: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpio-uapi-'));
  writeFileSync(join(dir, 'uapi.c'), PROGRAM);
  exe = join(dir, 'uapi');
  execFileSync(process.env.CC ?? 'cc', ['-Wall', '-o', exe, join(dir, 'uapi.c')], { stdio: 'pipe' });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]): Buffer => execFileSync(exe, args);
const json = (...args: string[]): Record<string, unknown> => JSON.parse(run(...args).toString()) as Record<string, unknown>;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('structure sizes and field offsets match <linux/gpio.h>', () => {
  const c = json();
  for (const [name, size] of Object.entries(SIZEOF)) expect([name, c[name]]).toEqual([name, size]);
  for (const [struct, fields] of Object.entries(OFFSET)) {
    for (const [field, off] of Object.entries(fields)) {
      const key = `${struct}.${field === 'value' ? 'flags' : field}`; // the attribute's union starts with flags
      expect([key, c[key]]).toEqual([key, off]);
    }
  }
});

test('ioctl numbers, line flags and attribute ids match <linux/gpio.h>', () => {
  const c = json();
  for (const [name, nr] of Object.entries(IOCTL)) expect([name, c[name]]).toEqual([name, nr]);
  for (const [name, bit] of Object.entries(LINE_FLAG)) expect([name, c[`GPIO_V2_LINE_FLAG_${name}`]]).toEqual([name, bit]);
  for (const [name, id] of Object.entries(LINE_ATTR_ID)) expect([name, c[`GPIO_V2_LINE_ATTR_ID_${name}`]]).toEqual([name, id]);
});

test('a line request decodes in C as it was meant: offsets, consumer, flags and attributes', () => {
  const req = encodeLineRequest([17, 4], 'hilbridge eeprom0-wp', {
    flags: LINE_FLAG.OUTPUT | LINE_FLAG.OPEN_DRAIN,
    attrs: [
      { id: LINE_ATTR_ID.OUTPUT_VALUES, values: 0b10n, mask: 0b11n },
      { id: LINE_ATTR_ID.FLAGS, flags: LINE_FLAG.INPUT | LINE_FLAG.BIAS_PULL_UP, mask: 0b10n },
      { id: LINE_ATTR_ID.DEBOUNCE, periodUs: 1500, mask: 0b10n },
    ],
  }, 32);
  expect(json('request', hex(req))).toEqual({
    offsets: [17, 4],
    consumer: 'hilbridge eeprom0-wp',
    num_lines: 2,
    event_buffer_size: 32,
    flags: LINE_FLAG.OUTPUT | LINE_FLAG.OPEN_DRAIN,
    num_attrs: 3,
    attrs: [
      { id: 2, value: 2, debounce: 2, mask: 3 },
      { id: 1, value: LINE_FLAG.INPUT | LINE_FLAG.BIAS_PULL_UP, debounce: LINE_FLAG.INPUT | LINE_FLAG.BIAS_PULL_UP, mask: 2 },
      { id: 3, value: 1500, debounce: 1500, mask: 2 },
    ],
  });
  expect(json('values', hex(encodeLineValues(1n << 63n, 0x8000000000000001n)))).toEqual({ bits: String(1n << 63n), mask: String(0x8000000000000001n) });
  expect(() => encodeLineRequest([], 'x', { flags: 0 })).toThrow(RangeError);
  expect(() => encodeLineRequest([1], 'x'.repeat(32), { flags: 0 })).toThrow(/at most 31/);
  expect(() => encodeLineConfig({ flags: 0, attrs: new Array(11).fill({ id: LINE_ATTR_ID.FLAGS, flags: 0, mask: 1n }) })).toThrow(/at most 10/);
});

test('chip and line info written by C decode field by field', () => {
  expect(decodeChipInfo(run('chipinfo'))).toEqual({ name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 });
  expect(decodeLineInfo(run('lineinfo'))).toEqual({
    offset: 17,
    name: 'GPIO17',
    consumer: 'spi0 CS1',
    flags: LINE_FLAG.USED | LINE_FLAG.OUTPUT | LINE_FLAG.ACTIVE_LOW,
    used: true,
  });
});
