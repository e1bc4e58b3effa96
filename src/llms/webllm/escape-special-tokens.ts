/**
 * Chat-template markers of the model families web-llm ships (ChatML/Qwen/SmolLM/Phi `<|…|>`,
 * Llama 3 headers, Llama 2/Mistral `[INST]`, `<s>`, Gemma turns, reasoning tags).
 */
const MARKERS = /<\|[A-Za-z0-9_.:\- ]{1,40}\|>|<\/?s>|\[\/?INST\]|<\/?(?:start_of_turn|end_of_turn|bos|eos|unk|pad|think)>/g;

/**
 * Breaks special-token strings in message text with a zero-width space after their first
 * character. web-llm renders the chat template and tokenizes the whole prompt with the model's
 * tokenizer, which turns `<|im_start|>` inside a document into the real control token: a document
 * could open a new system turn. TransformersLLM tokenizes contents apart from the template; web-llm
 * offers no such hook, so the text itself is made inert (it reads the same to the model).
 */
export function escapeSpecialTokens(text: string): string {
  return text.replace(MARKERS, (marker) => `${marker[0]}\u200B${marker.slice(1)}`);
}
