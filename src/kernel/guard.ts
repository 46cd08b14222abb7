/**
 * Reading values that came from a worker without trusting them. Anything a thread throws, exits
 * with or posts reaches the kernel as a structured clone or a raw value of any type (null, a
 * number, an object whose fields are not strings); these helpers turn such a value into text or
 * pick a field out of it without ever throwing and without unbounded output.
 */

const MAX_TEXT = 2000;

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… (${s.length - MAX_TEXT} more characters)` : s;
}

/** A field of an untrusted value, if it is a string. */
export function stringField(v: unknown, key: string): string | undefined {
  try {
    if (typeof v !== 'object' || v === null) return undefined;
    const d = Object.getOwnPropertyDescriptor(v, key);
    return d && 'value' in d && typeof d.value === 'string' ? clip(d.value) : undefined;
  } catch {
    return undefined;
  }
}

/** "Name: message" of anything thrown, without invoking getters or toString of unknown objects. */
export function describeThrown(v: unknown): string {
  try {
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    if (typeof v === 'string') return clip(JSON.stringify(v));
    if (typeof v !== 'object' && typeof v !== 'function') return clip(String(v));
    const name = stringField(v, 'name') ?? (v instanceof Error ? v.name : undefined);
    const message = stringField(v, 'message') ?? (v instanceof Error ? v.message : undefined);
    if (name !== undefined || message !== undefined) return clip(`${name ?? 'Error'}: ${message ?? ''}`);
    return 'a non-error object';
  } catch {
    return 'an unreadable value';
  }
}
