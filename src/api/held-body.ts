import type { Answer } from '../routing/router.js';
import type { ErrorStatus } from '../wire/envelope.js';

/**
 * The whole body of an answer, read through `forward()` like any other: at once for a held answer (a unary body or
 * an error, complete before the client sees a byte), as it arrives otherwise. `failure` is how a body that did not
 * complete ended.
 */
export function collectBody(answer: Answer): Promise<{ body: Buffer; failure?: ErrorStatus }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sink = {
      write(chunk: Buffer): boolean {
        chunks.push(chunk);
        return true;
      },
      once: () => undefined,
    };
    answer.forward(sink, (failure) => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve(failure ? { body, failure } : { body });
    });
  });
}
