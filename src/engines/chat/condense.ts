import { countLLMTokens, type ChatMessage, type LLM } from '../../llms/types.js';
import type { PromptTemplate } from '../../prompts/prompt-template.js';

/** Rewrites a follow-up into a standalone question using the history; without history the message is used as is. */
export async function condenseQuestion(
  llm: LLM,
  template: PromptTemplate,
  history: readonly ChatMessage[],
  message: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (history.length === 0) return message;
  const budget = llm.metadata.contextWindow - llm.metadata.numOutput - countLLMTokens(llm, template.format({ chatHistory: '', question: message }));
  const lines: string[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const line = `${history[i]!.role === 'user' ? 'Human' : 'Assistant'}: ${history[i]!.content}`;
    const tokens = countLLMTokens(llm, line) + 1;
    if (used + tokens > budget) break;
    lines.unshift(line);
    used += tokens;
  }
  const { text } = await llm.complete(template.format({ chatHistory: lines.join('\n'), question: message }), signal ? { signal } : {});
  return text.trim() || message;
}
