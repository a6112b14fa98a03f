import { randomFillSync } from 'node:crypto';

/**
 * The bytes every benchmark sends and expects. The static upstream serves exactly these, so a proxy that
 * changes a byte of a body is caught by the sanity check before any number is taken.
 */

/** The incident's minimal request (docs/incident.md: `{"contents":[{"parts":[{"text":"hi"}]}]}`). */
export const HI_REQUEST = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

/**
 * A canned generateContent answer: the fields a real one carries (docs/wire.md §4), compact, with no `'`, `$` or
 * backslash so that nginx can serve it from a quoted `return` string unchanged.
 */
export const GENERATE_BODY = JSON.stringify({
  candidates: [
    {
      content: {
        parts: [{ text: 'Hello there. How can I help you today? Ask me anything about your project.' }],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 2,
    candidatesTokenCount: 17,
    totalTokenCount: 19,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2 }],
  },
  modelVersion: 'gemini-bench-001',
  responseId: 'EdDHavuSDILGjMcPvefFoQg',
});

/** Events in the canned stream (the issue: "a 20-chunk stream"). */
export const STREAM_EVENTS = 20;

/**
 * The canned `streamGenerateContent?alt=sse` answer: 20 events, each `data: ` + compact JSON + CRLF CRLF, the
 * last with finishReason (docs/wire.md §7.1: every event ends with `\r\n\r\n`, no `[DONE]`).
 */
export const STREAM_BODY = Array.from({ length: STREAM_EVENTS }, (_, i) => {
  const last = i === STREAM_EVENTS - 1;
  const event = {
    candidates: [
      {
        content: { parts: [{ text: `word${i} and a few more words of text ` }], role: 'model' },
        ...(last ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: 2,
      candidatesTokenCount: 8 * (i + 1),
      totalTokenCount: 2 + 8 * (i + 1),
    },
    modelVersion: 'gemini-bench-001',
    responseId: 'WhmlabShCNjv-8YPl_D1gAo',
  };
  return `data: ${JSON.stringify(event)}\r\n\r\n`;
}).join('');

/**
 * A generateContent request of about `bytes` bytes: one inline image part (docs/wire.md §3.1 inlineData, base64)
 * plus a text part. The payload is random so nothing along the way can compress it.
 */
export function inlineDataRequest(bytes) {
  const envelope = (data) =>
    JSON.stringify({
      contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data } }, { text: 'describe this' }] }],
    });
  const overhead = envelope('').length;
  const base64Chars = Math.max(4, Math.floor((bytes - overhead) / 4) * 4);
  const raw = randomFillSync(Buffer.alloc((base64Chars / 4) * 3));
  return Buffer.from(envelope(raw.toString('base64')));
}
