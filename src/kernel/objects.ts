/**
 * The kernel object table: every device, partition, thread and endpoint, behind opaque handles.
 *
 * A handle is `generation * 65536 + index`. Removing an object bumps its slot's generation, so a
 * recycled handle (a thread keeping a handle across its object's death) no longer resolves, just
 * like a forged one. Objects themselves never leave the kernel; threads hold only the numbers.
 */
import type { ObjectType } from '../abi/syscalls';

export interface KObjectBase {
  readonly type: ObjectType;
  readonly name: string;
  /** Set by the table on insert. */
  handle: number;
}

const INDEX_SPAN = 65536;
const MAX_GEN = 32767;

interface Slot {
  gen: number;
  obj: KObjectBase | undefined;
}

export class ObjectTable {
  private readonly slots: Slot[] = [{ gen: 0, obj: undefined }]; // index 0 is never used
  private readonly free: number[] = [];

  insert<T extends KObjectBase>(obj: T): T {
    let index = this.free.pop();
    if (index === undefined) {
      index = this.slots.length;
      if (index >= INDEX_SPAN) throw new RangeError('kernel object table is full');
      this.slots.push({ gen: 1, obj: undefined });
    }
    const slot = this.slots[index]!;
    slot.obj = obj;
    obj.handle = slot.gen * INDEX_SPAN + index;
    return obj;
  }

  /** The live object behind a handle, or undefined for a forged, stale or malformed handle. */
  get(handle: number): KObjectBase | undefined {
    if (!Number.isInteger(handle) || handle <= 0) return undefined;
    const index = handle % INDEX_SPAN;
    const gen = Math.floor(handle / INDEX_SPAN);
    const slot = this.slots[index];
    return slot && slot.gen === gen ? slot.obj : undefined;
  }

  remove(obj: KObjectBase): void {
    const index = obj.handle % INDEX_SPAN;
    const slot = this.slots[index];
    if (!slot || slot.obj !== obj) return;
    slot.obj = undefined;
    slot.gen = slot.gen >= MAX_GEN ? 1 : slot.gen + 1;
    this.free.push(index);
  }

  *all(): Generator<KObjectBase> {
    for (const s of this.slots) if (s.obj) yield s.obj;
  }
}
