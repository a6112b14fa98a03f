import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

function testIO() {
  let out = '';
  let err = '';
  let stop: () => void = () => {};
  let printed: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => {
    printed = resolve;
  });
  const io: CliIO = {
    stdout: {
      write: (t: string) => {
        out += t;
        if (out.includes('\n')) printed(out.split('\n')[0]!);
      },
    },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    untilStopped: () => new Promise<void>((resolve) => (stop = resolve)),
  };
  return { io, firstLine, stop: () => stop(), stderr: () => err };
}

describe('aliasgate sim', () => {
  it('prints its URL and models, serves until stopped, then exits 0', async () => {
    const t = testIO();
    const exit = main(['sim', '--port', '0', '--seed', '3'], t.io);
    const line = await t.firstLine;
    expect(line).toMatch(
      /^aliasgate sim: http:\/\/127\.0\.0\.1:\d+ seed 3 models: gemini-3\.5-flash \(2 builds\), gemini-flash-latest, /,
    );
    const url = /http:\/\/[\d.:]+/.exec(line)![0];
    const res = await request(`${url}/v1beta/models`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    t.stop();
    expect(await exit).toBe(0);
    await expect(request(`${url}/v1beta/models`)).rejects.toThrow();
  });

  it('a bad scenario is one line on stderr and exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'models:\n  m:\n    builds:\n      - name: b\n        weight: -3\n');
      const t = testIO();
      expect(await main(['sim', '--scenario', file, '--port', '0'], t.io)).toBe(2);
      expect(t.stderr()).toBe(`aliasgate: ${file}:5: models.m.builds[0].weight: expected a number >= 0\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bad port or seed is a usage error, exit 2', async () => {
    const t = testIO();
    expect(await main(['sim', '--port', 'http'], t.io)).toBe(2);
    expect(t.stderr()).toBe('aliasgate: --port must be an integer from 0 to 65535, got "http"\n');
    expect(await main(['sim', '--seed', '1.5', '--port', '0'], testIO().io)).toBe(2);
  });
});
