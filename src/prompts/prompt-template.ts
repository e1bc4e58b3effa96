import { InvalidArgumentError } from '../errors.js';

/**
 * A prompt with `{name}` placeholders.
 *
 * @example
 * const qa = new PromptTemplate('Context: {context}\nQuestion: {query}\nAnswer: ');
 * qa.format({ context: 'Paris is in France.', query: 'Where is Paris?' });
 */
export class PromptTemplate {
  readonly template: string;
  readonly templateVars: readonly string[];
  private readonly bound: Readonly<Record<string, string>>;

  constructor(template: string, bound: Record<string, string> = {}) {
    if (typeof template !== 'string') throw new InvalidArgumentError(`Expected a prompt template string, got ${typeof template}.`);
    this.template = template;
    this.bound = bound;
    this.templateVars = [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))];
  }

  /** Variables not yet filled in by `partialFormat`. */
  get freeVars(): string[] {
    return this.templateVars.filter((v) => !(v in this.bound));
  }

  /** A copy with some variables filled in. */
  partialFormat(values: Record<string, string>): PromptTemplate {
    return new PromptTemplate(this.template, { ...this.bound, ...values });
  }

  format(values: Record<string, string> = {}): string {
    const all = { ...this.bound, ...values };
    const missing = this.templateVars.filter((v) => !(v in all));
    if (missing.length > 0) {
      throw new InvalidArgumentError(`Prompt template needs ${missing.map((m) => `{${m}}`).join(', ')}; got values for ${Object.keys(all).join(', ') || 'nothing'}.`);
    }
    // One pass, so a value that itself contains "{query}" is left as it is.
    return this.template.replace(/\{(\w+)\}/g, (match, name: string) => all[name] ?? match);
  }
}

export const defaultTextQaPrompt = new PromptTemplate(
  'Context information is below.\n' +
    '---------------------\n' +
    '{context}\n' +
    '---------------------\n' +
    'Given the context information and not prior knowledge, answer the query.\n' +
    'Query: {query}\n' +
    'Answer: ',
);

export const defaultRefinePrompt = new PromptTemplate(
  'The original query is as follows: {query}\n' +
    'We have provided an existing answer: {existingAnswer}\n' +
    'We have the opportunity to refine the existing answer (only if needed) with some more context below.\n' +
    '------------\n' +
    '{context}\n' +
    '------------\n' +
    "Given the new context, refine the original answer to better answer the query. If the context isn't useful, return the original answer.\n" +
    'Refined Answer: ',
);

export const defaultSummaryPrompt = new PromptTemplate(
  'Context information from multiple sources is below.\n' +
    '---------------------\n' +
    '{context}\n' +
    '---------------------\n' +
    'Given the information from multiple sources and not prior knowledge, answer the query.\n' +
    'Query: {query}\n' +
    'Answer: ',
);

export const defaultSimpleInputPrompt = new PromptTemplate('{query}');

// LlamaIndex's CITATION_QA_TEMPLATE and CITATION_REFINE_TEMPLATE (its variables renamed as pagerag's).
const CITATION_INSTRUCTIONS =
  'Please provide an answer based solely on the provided sources. ' +
  'When referencing information from a source, cite the appropriate source(s) using their corresponding numbers. ' +
  'Every answer should include at least one source citation. ' +
  'Only cite a source when you are explicitly referencing it. ' +
  'If none of the sources are helpful, you should indicate that. ' +
  'For example:\n' +
  'Source 1:\n' +
  'The sky is red in the evening and blue in the morning.\n' +
  'Source 2:\n' +
  'Water is wet when the sky is red.\n' +
  'Query: When is water wet?\n' +
  'Answer: Water will be wet when the sky is red [2], which occurs in the evening [1].\n';

export const defaultCitationQaPrompt = new PromptTemplate(
  CITATION_INSTRUCTIONS + 'Now it\'s your turn. Below are several numbered sources of information:\n------\n{context}\n------\nQuery: {query}\nAnswer: ',
);

export const defaultCitationRefinePrompt = new PromptTemplate(
  CITATION_INSTRUCTIONS +
    "Now it's your turn. We have provided an existing answer: {existingAnswer}" +
    'Below are several numbered sources of information. Use them to refine the existing answer. ' +
    'If the provided sources are not helpful, you will repeat the existing answer.\nBegin refining!\n------\n{context}\n------\nQuery: {query}\nAnswer: ',
);

export const defaultCondenseQuestionPrompt = new PromptTemplate(
  'Given a conversation (between Human and Assistant) and a follow up message from Human, rewrite the message to be a standalone question that captures all relevant context from the conversation.\n\n' +
    '<Chat History>\n{chatHistory}\n\n' +
    '<Follow Up Message>\n{question}\n\n' +
    '<Standalone question>\n',
);

export const defaultContextSystemPrompt = new PromptTemplate(
  'Context information is below.\n' + '---------------------\n' + '{context}\n' + '---------------------\n',
);

export const defaultCondensePlusContextSystemPrompt = new PromptTemplate(
  'The following is a friendly conversation between a user and an AI assistant.\n' +
    'The assistant is talkative and provides lots of specific details from its context.\n' +
    'If the assistant does not know the answer to a question, it truthfully says it does not know.\n\n' +
    'Here are the relevant documents for the context:\n\n{context}\n\n' +
    'Instruction: Based on the above documents, provide a detailed answer for the user question below.\n' +
    'Answer "don\'t know" if not present in the document.',
);
