/** Tokens one answer used, as its usage block says (Gemini `usageMetadata`, OpenAI `usage`). */
export interface Usage {
  prompt: number;
  output: number;
}

const GEMINI = {
  prompt: /"promptTokenCount"\s*:\s*(\d+)/g,
  output: [/"candidatesTokenCount"\s*:\s*(\d+)/g, /"thoughtsTokenCount"\s*:\s*(\d+)/g],
};
const OPENAI = { prompt: /"prompt_tokens"\s*:\s*(\d+)/g, output: [/"completion_tokens"\s*:\s*(\d+)/g] };

/**
 * The usage in the tail of an answer, read from its text without parsing it: Gemini puts `usageMetadata` after the
 * candidates, and in a stream every event carries the running total (docs/wire.md §4, §7.1), so the last figures in
 * the last few KB are the answer's; OpenAI's `usage` comes last too (docs/wire.md §11). Undefined when there is none.
 */
export function usageIn(tail: string): Usage | undefined {
  const gemini = read(tail, GEMINI.prompt, GEMINI.output);
  return gemini ?? read(tail, OPENAI.prompt, OPENAI.output);
}

function read(text: string, prompt: RegExp, output: RegExp[]): Usage | undefined {
  const p = last(text, prompt);
  if (p === undefined) return undefined;
  return { prompt: p, output: output.reduce((sum, re) => sum + (last(text, re) ?? 0), 0) };
}

function last(text: string, re: RegExp): number | undefined {
  let found: number | undefined;
  for (const m of text.matchAll(re)) found = Number(m[1]);
  return found;
}
