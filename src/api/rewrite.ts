/**
 * Bodies that name the model again must name the target, not the alias (wire spec §5.3, §9.3):
 * `batchEmbedContents.requests[].model`, `countTokens.generateContentRequest.model`, and the OpenAI-compatible
 * `model`. Only those string tokens change: every other byte — unknown fields, key order, number formatting —
 * passes through as the client sent it. A `"model": "…"` pair can only be JSON structure (quotes inside JSON
 * strings are escaped), so the match cannot hit prompt text.
 */
const patterns = new Map<string, RegExp>();

export function rewriteModel(body: Buffer, alias: string, model: string): Buffer {
  let pattern = patterns.get(alias);
  if (!pattern) {
    const escaped = alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`("model"\\s*:\\s*")(models/)?${escaped}"`, 'g');
    patterns.set(alias, pattern);
  }
  const text = body.toString('utf8');
  const rewritten = text.replace(
    pattern,
    (_m, head: string, prefix: string | undefined) => `${head}${prefix ?? ''}${model}"`,
  );
  return rewritten === text ? body : Buffer.from(rewritten, 'utf8');
}
