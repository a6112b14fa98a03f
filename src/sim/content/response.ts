import type { Random } from '../../random.js';
import type { GenerateContentResponse, Part, UsageMetadata } from '../../wire/types.js';
import { stringHash } from '../seeds.js';
import type { Reply } from './reply.js';
import { textTokens } from './tokens.js';

/** Who answered: `modelVersion` names the build that served (so a client can see which one did). */
export interface Served {
  modelVersion: string;
  responseId: string;
}

/** ~23 base64url characters like the real `EdDHavuSDILGjMcPvefFoQg` (docs/wire.md §12): 17 random bytes. */
export function newResponseId(random: Random): string {
  const bytes = Buffer.allocUnsafe(17);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random.next() * 256);
  return bytes.toString('base64url');
}

/** The unary GenerateContentResponse (docs/wire.md §4); empty fields are left out as the real service does. */
export function unaryResponse(reply: Reply, served: Served): GenerateContentResponse {
  const parts: Part[] = [];
  if (reply.thought) parts.push({ text: reply.thought, thought: true });
  if (reply.functionCall) parts.push(functionCallPart(reply));
  else parts.push({ text: reply.text ?? '' });
  return frame(parts, reply, true, usage(reply, reply.candidatesTokens, reply.thoughtsTokens), served);
}

/**
 * The chunks of a streamed answer (docs/wire.md §7.1): each carries only its new parts (a delta), the running
 * usage total, and `finishReason` on the last one only. A thought goes first, in its own chunk,
 * with no candidatesTokenCount yet; a function call arrives whole in one chunk.
 */
export function streamResponses(reply: Reply, served: Served, chunks: number): GenerateContentResponse[] {
  const out: GenerateContentResponse[] = [];
  const thoughtOwnChunk = reply.thought !== undefined && chunks > 1;
  if (reply.thought !== undefined && thoughtOwnChunk) {
    out.push(
      frame(
        [{ text: reply.thought, thought: true }],
        reply,
        false,
        usage(reply, undefined, reply.thoughtsTokens),
        served,
      ),
    );
  }
  const lead: Part[] =
    reply.thought !== undefined && !thoughtOwnChunk ? [{ text: reply.thought, thought: true }] : [];
  if (reply.functionCall) {
    out.push(
      frame(
        [...lead, functionCallPart(reply)],
        reply,
        true,
        usage(reply, reply.candidatesTokens, reply.thoughtsTokens),
        served,
      ),
    );
    return out;
  }
  const text = reply.text ?? '';
  const pieces = splitText(text, Math.max(1, chunks - (thoughtOwnChunk ? 1 : 0)));
  let sent = 0;
  pieces.forEach((piece, i) => {
    sent += piece.length;
    const last = i === pieces.length - 1;
    // the last chunk states the exact total; earlier ones the tokens of the text so far
    const candidates = last ? reply.candidatesTokens : textTokens(text.slice(0, sent));
    const parts = i === 0 ? [...lead, { text: piece }] : [{ text: piece }];
    out.push(frame(parts, reply, last, usage(reply, candidates, reply.thoughtsTokens), served));
  });
  return out;
}

/**
 * Splits text into at most `n` non-empty pieces that join back to it exactly, cutting after a
 * space near each even split point so words stay whole (compact JSON has few spaces: then cut anywhere).
 */
export function splitText(text: string, n: number): string[] {
  if (n <= 1 || text.length <= 1) return [text];
  const pieces: string[] = [];
  let start = 0;
  for (let i = 1; i < n; i++) {
    let cut = Math.round((i * text.length) / n);
    const space = text.indexOf(' ', cut);
    if (space >= 0 && space - cut < 12) cut = space + 1;
    if (cut <= start || cut >= text.length) continue;
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  pieces.push(text.slice(start));
  return pieces;
}

function frame(
  parts: Part[],
  reply: Reply,
  last: boolean,
  usageMetadata: UsageMetadata,
  served: Served,
): GenerateContentResponse {
  const candidate: Record<string, unknown> = { content: { parts, role: 'model' } };
  if (last) {
    candidate.finishReason = reply.finishReason;
    // O: a function call ends with STOP and this message (docs/wire.md §4)
    if (reply.functionCall) candidate.finishMessage = 'Model generated function call(s).';
  }
  candidate.index = 0;
  return {
    candidates: [candidate],
    usageMetadata,
    modelVersion: served.modelVersion,
    responseId: served.responseId,
  };
}

function usage(reply: Reply, candidates: number | undefined, thoughts: number): UsageMetadata {
  const out: UsageMetadata = { promptTokenCount: reply.prompt.total };
  if (candidates !== undefined) out.candidatesTokenCount = candidates;
  out.totalTokenCount = reply.prompt.total + (candidates ?? 0) + thoughts;
  out.promptTokensDetails = reply.prompt.details;
  if (thoughts > 0) out.thoughtsTokenCount = thoughts;
  return out;
}

/** Current models sign function-call parts; clients echo the signature back unchanged (docs/wire.md §3.1). */
function functionCallPart(reply: Reply): Part {
  const call = reply.functionCall!;
  const signature = Buffer.alloc(24);
  let h = stringHash(call.name);
  for (let i = 0; i < signature.length; i += 4) {
    h = stringHash(String(i), h);
    signature.writeUInt32BE(h, i);
  }
  return {
    functionCall: { name: call.name, args: call.args },
    thoughtSignature: signature.toString('base64'),
  };
}
