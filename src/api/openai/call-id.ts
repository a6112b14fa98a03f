/**
 * Gemini 3 signs its function calls (`thoughtSignature` on the functionCall part) and answers 400 when a later
 * turn sends the call back unsigned. Responses clients echo only `call_id` for a call (the Vercel AI SDK sends
 * `{type: "function_call", call_id, name, arguments}` and nothing else), and the gateway keeps no state, so the
 * signature travels inside the call_id: `call_<id>.ts.<signature as base64url>`.
 */
const MARK = '.ts.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCallId(id: string, signature: string | undefined): string {
  if (!signature) return id;
  return `${id}${MARK}${Buffer.from(signature, 'base64').toString('base64url')}`;
}

/** The signature a call_id carries (standard base64, as Gemini sent it), if any. */
export function callSignature(callId: string): string | undefined {
  const at = callId.indexOf(MARK);
  if (at < 0) return undefined;
  const encoded = callId.slice(at + MARK.length);
  return BASE64URL.test(encoded) ? Buffer.from(encoded, 'base64url').toString('base64') : undefined;
}
