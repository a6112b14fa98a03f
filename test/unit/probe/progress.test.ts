import { describe, expect, it } from 'vitest';
import { progressDisplay } from '../../../src/probe/progress.js';

describe('progressDisplay off a terminal', () => {
  it('prints a plain line at every tenth of the calls, and nothing else', () => {
    let text = '';
    const display = progressDisplay({ write: (s: string) => (text += s), isTTY: false }, 40);
    for (let done = 1; done <= 40; done++) display.update({ done, total: 40, failed: Math.floor(done / 2) });
    display.stop();
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('probe: 4/40 calls, 2 failed');
    expect(lines[9]).toBe('probe: 40/40 calls, 20 failed');
  });

  it('falls back to plain lines for a stream that claims a TTY but cannot move the cursor', () => {
    let text = '';
    const display = progressDisplay({ write: (s: string) => (text += s), isTTY: true }, 1);
    display.update({ done: 1, total: 1, failed: 0 });
    display.stop();
    expect(text).toBe('probe: 1/1 calls, 0 failed\n');
  });
});
