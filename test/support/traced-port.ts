import type { MessagePortLike, WorkerReply, WorkerRequest } from '../../src/worker/protocol.js';

/**
 * A worker seen through the protocol: `open()` lists the calls the page started that neither got
 * their last reply (end, error, result) nor were cancelled, i.e. calls the page would still be
 * waiting on.
 */
export function tracedPort(worker: Worker): { port: MessagePortLike; open(): number[] } {
  const open = new Set<number>();
  worker.addEventListener('message', (event: MessageEvent) => {
    const reply = event.data as WorkerReply;
    if (reply?.type !== 'delta') open.delete(reply?.id);
  });
  const port: MessagePortLike = {
    postMessage(message) {
      const request = message as WorkerRequest;
      if (request.type === 'cancel') open.delete(request.id);
      else open.add(request.id);
      worker.postMessage(message);
    },
    addEventListener: (type, listener) => worker.addEventListener(type, listener as EventListener),
    removeEventListener: (type, listener) => worker.removeEventListener(type, listener as EventListener),
    terminate: () => worker.terminate(),
  };
  return { port, open: () => [...open] };
}
