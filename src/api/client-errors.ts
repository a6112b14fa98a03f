import type { Socket } from 'node:net';
import { errorStatus, JSON_CONTENT_TYPE, renderEnvelope } from '../wire/envelope.js';

const ANSWERS: Record<string, [status: number, reason: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive in time.'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'Request Timeout', 'The request headers did not arrive in time.'],
};

/**
 * What Node's HTTP parser refuses before any handler runs (bytes that are not HTTP, headers too large, a client too
 * slow): answered in Google's envelope like every other refusal, then the connection is closed — never Node's bare
 * status line, and never a socket left half-read.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // as Node does by default: when an answer is already on its way on this connection (the bytes past a short
  // Content-Length read as a next request), another status line would corrupt it; just close
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = ANSWERS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'The request is not valid HTTP.',
  ];
  const body = renderEnvelope(errorStatus(status, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: ${JSON_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}
