/**
 * Kernel side of the message transport: syscalls arrive as `MessagePort` messages.
 *
 * A request is `[seq, nr, ...slots]`, a reply `[seq, r0, r1]`. Messages that are not arrays of
 * numbers are faults like any malformed call. Same dispatcher as the synchronous transport, so
 * both yield identical results and errors.
 */
import type { MessagePort } from 'node:worker_threads';
import { MAX_WIRE_SLOTS } from '../abi/syscalls';
import type { Dispatch } from './dispatch';

export interface PortServer {
  stop(): void;
}

export function servePort(port: MessagePort, dispatch: Dispatch, malformed: (why: string) => void): PortServer {
  let stopped = false;
  port.on('message', (m: unknown) => {
    if (stopped) return;
    if (!Array.isArray(m) || m.length < 2 || m.length > 2 + MAX_WIRE_SLOTS || !m.every((x) => typeof x === 'number')) {
      malformed('syscall message is not an array of numbers');
      return;
    }
    const [seq, ...request] = m as number[];
    void dispatch(request).then((r) => {
      if (r !== null && !stopped) port.postMessage([seq, r[0], r[1]]);
    });
  });
  return {
    stop(): void {
      stopped = true;
      port.close();
    },
  };
}
