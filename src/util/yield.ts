/**
 * Lets the event loop run pending tasks (messages, timers, input) before continuing. A promise
 * alone would not: ONNX Runtime's WASM steps resolve in microtasks, so a generation loop would
 * otherwise hold the thread (and ignore a worker's "cancel" message) until it ends.
 */
export function yieldToEventLoop(): Promise<void> {
  // Not scheduler.yield(): its continuation is prioritised over queued tasks such as messages.
  return new Promise((resolve) => {
    // A MessageChannel task is not clamped to 4 ms like nested timers are.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}
