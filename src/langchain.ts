// pagerag/langchain: LangChain.js adapters. Kept out of the main entry so apps that do not use
// LangChain never load @langchain/core.
export { LangChainLLM } from './llms/langchain-llm.js';
