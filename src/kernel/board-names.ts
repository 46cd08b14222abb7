/**
 * How the kernel names a device node to users: its first label, or its path.
 */
import { type DtNode, nodePath } from '../devicetree/tree';

export function deviceName(node: DtNode): string {
  return node.labels[0] ?? nodePath(node);
}
