import { ERROR_CLASSES } from '../errors.js';
import type { SerializedError } from './protocol.js';

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error || error instanceof DOMException) {
    const status = (error as { status?: unknown }).status;
    return { name: error.name, message: error.message, ...(error.stack && { stack: error.stack }), ...(typeof status === 'number' && { status }) };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error from the worker: pagerag's own classes come back as themselves (`instanceof` works), aborts as AbortError. */
export function deserializeError(serialized: SerializedError): Error {
  if (serialized.name === 'AbortError') return new DOMException(serialized.message, 'AbortError');
  const known = Object.hasOwn(ERROR_CLASSES, serialized.name) ? ERROR_CLASSES[serialized.name] : undefined;
  const error: Error = known ? Object.create(known.prototype) : new Error(serialized.message);
  Object.defineProperty(error, 'message', { value: serialized.message, writable: true, configurable: true });
  Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  if (serialized.status !== undefined) Object.defineProperty(error, 'status', { value: serialized.status, enumerable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: `${serialized.name}: ${serialized.message}\n    (thrown in the worker)\n${serialized.stack ?? ''}`, writable: true, configurable: true });
  return error;
}
