import cliProgress from 'cli-progress';
import type { ProbeProgress } from './run.js';

/** Where progress goes: stderr, so stdout stays the result (a table or one JSON document). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressDisplay {
  update(progress: ProbeProgress): void;
  stop(): void;
}

/** How many plain progress lines a non-TTY run prints (every 10%), so logs stay short. */
const PLAIN_STEPS = 10;

/** A live bar on a terminal; on a pipe or a log file, a plain line every 10% of the calls. */
export function progressDisplay(stream: ProgressStream, total: number): ProgressDisplay {
  return isTerminal(stream) ? barDisplay(stream, total) : plainDisplay(stream, total);
}

/** cli-progress moves the cursor, so it needs a real tty.WriteStream, not just `isTTY: true`. */
function isTerminal(stream: ProgressStream): stream is ProgressStream & NodeJS.WriteStream {
  return stream.isTTY === true && typeof (stream as Partial<NodeJS.WriteStream>).cursorTo === 'function';
}

function barDisplay(stream: NodeJS.WriteStream, total: number): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'probe |{bar}| {value}/{total} calls, {failed} failed, eta {eta_formatted}',
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { failed: 0 });
  return {
    update: (p) => bar.update(p.done, { failed: p.failed }),
    stop: () => bar.stop(),
  };
}

function plainDisplay(stream: ProgressStream, total: number): ProgressDisplay {
  let printedStep = 0;
  return {
    update(p) {
      const step = Math.floor((p.done * PLAIN_STEPS) / p.total);
      if (step <= printedStep) return;
      printedStep = step;
      stream.write(`probe: ${p.done}/${total} calls, ${p.failed} failed\n`);
    },
    stop() {},
  };
}
