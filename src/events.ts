import type { NodeWithScore } from './schema/node.js';

/** What engines report while they work, for a page that draws a timeline. Times are `performance.now()`. */
export type PageragEvent =
  | { type: 'retrieve-start'; query: string; time: number }
  | { type: 'retrieve-end'; query: string; nodes: NodeWithScore[]; time: number }
  | { type: 'synthesize-start'; query: string; time: number }
  | { type: 'synthesize-end'; query: string; response: string; time: number }
  | { type: 'llm-start'; prompt: string; streaming: boolean; time: number }
  | { type: 'llm-delta'; delta: string; time: number }
  | { type: 'llm-end'; response: string; time: number };

export type EventCallback = (event: PageragEvent) => void;

/** Emits without letting a faulty listener break the query. */
export function emit(onEvent: EventCallback | undefined, event: PageragEvent): void {
  if (!onEvent) return;
  try {
    onEvent(event);
  } catch (error) {
    console.error('pagerag: an onEvent listener threw', error);
  }
}

/** A `StreamingResponse` `onDelta` that reports each delta as an `llm-delta` event. */
export function deltaEvents(onEvent: EventCallback | undefined): ((delta: string) => void) | undefined {
  return onEvent && ((delta) => emit(onEvent, { type: 'llm-delta', delta, time: performance.now() }));
}
