import type { BuiltinAvailability, PromptApi, PromptSession } from '../../src/llms/builtin/chrome-builtin-llm.js';

/** An object with the shape of Chrome's Prompt API (`LanguageModel`), for browsers without the built-in model. */
export function scriptedPromptApi(availability: BuiltinAvailability, words = 'the built in model answers here'.split(' ')) {
  const calls: { initialPrompts?: unknown; prompt: string }[] = [];
  let destroyed = 0;
  const api: PromptApi = {
    availability: async () => availability,
    create: async (options = {}) => {
      if (availability === 'downloadable') {
        const monitor = new EventTarget();
        options.monitor?.(monitor);
        for (const loaded of [0.5, 1]) monitor.dispatchEvent(Object.assign(new Event('downloadprogress'), { loaded }));
      }
      const session: PromptSession = {
        promptStreaming(prompt, { signal } = {}) {
          calls.push({ initialPrompts: options.initialPrompts, prompt });
          let i = 0;
          return new ReadableStream<string>({
            async pull(controller) {
              await new Promise((r) => setTimeout(r, 3));
              if (signal?.aborted) return controller.error(signal.reason);
              if (i >= words.length) return controller.close();
              controller.enqueue(i === 0 ? words[i++]! : ` ${words[i++]}`);
            },
          });
        },
        destroy: () => void destroyed++,
      };
      return session;
    },
  };
  return { api, calls, destroyed: () => destroyed };
}
