/**
 * Reports what it was granted (handles, types, names): how a harness learns the handles of
 * endpoints, which the kernel API names but does not number. Confined, like any program.
 */
import type { UserRuntime } from '../../../src/user/runtime';

export async function main(rt: UserRuntime): Promise<void> {
  await rt.report(rt.objects.map((o) => ({ handle: o.handle, type: o.type, name: o.name })));
}
