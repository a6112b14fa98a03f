import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { analyze, probeExitStatus } from '../probe/analysis.js';
import { toJsonDocument } from '../probe/document.js';
import { type ProbeFlags, parseProbeFlags } from '../probe/flags.js';
import { redactSecret } from '../probe/format.js';
import {
  DEFAULT_BASE_URL,
  DEFAULT_CALLS,
  DEFAULT_CONCURRENCY,
  DEFAULT_PROMPT,
  DEFAULT_TIMEOUT_MS,
} from '../probe/options.js';
import { progressDisplay } from '../probe/progress.js';
import { renderReport } from '../probe/report.js';
import { runProbe } from '../probe/run.js';
import { renderTable } from '../probe/table.js';
import type { CliIO, CommandContext, ExitStatus } from './io.js';

/**
 * `aliasgate probe`: the incident's curl loop as a tool. Exit 0, or 1 when a model's failure rate
 * is above --max-failure-rate or the endpoint cannot be reached at all; 2 for bad usage.
 */
export function probeCommand(ctx: CommandContext): Command {
  return (
    new Command('probe')
      .description('measure failure rates per model, explain them, and write a bug report')
      // addCommand() does not pass the program's output settings down; without this, commander's
      // own messages for this command (unknown option, help) would bypass ctx.io.
      .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) })
      .option('--base-url <url>', 'Gemini-wire API to probe', DEFAULT_BASE_URL)
      .option('-m, --model <model>', 'model to probe (repeat for several; required)', collect, [])
      .option('-n, --calls <n>', 'calls per model', String(DEFAULT_CALLS))
      .option('--concurrency <c>', 'calls in flight at once, over all models', String(DEFAULT_CONCURRENCY))
      .option('--stream', 'call streamGenerateContent?alt=sse and read every stream to its end')
      .option('--prompt <text>', `prompt text (default "${DEFAULT_PROMPT}")`)
      .option('--body <file>', 'send this JSON file as the request body instead of a prompt')
      .option('--timeout <ms>', 'budget for one whole call, ms', String(DEFAULT_TIMEOUT_MS))
      .option('--json', 'print one JSON document instead of the table')
      .option('--report <file.md>', 'also write a Markdown bug report for the provider')
      .option('--max-failure-rate <rate>', 'exit 1 when a model fails more often than this (0..1)')
      .option(
        '--key <key>',
        'API key, sent as x-goog-api-key (default: env GEMINI_API_KEY, then GOOGLE_API_KEY)',
      )
      .action(async (flags: ProbeFlags) => ctx.exit(await probe(ctx.io, flags)))
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function probe(io: CliIO, flags: ProbeFlags): Promise<ExitStatus> {
  const { options, json, reportPath, maxFailureRate } = parseProbeFlags(flags, io.env, (path) =>
    readFileSync(path, 'utf8'),
  );
  // Checked before the run, so a long probe is not lost to a typo in the report path.
  if (reportPath !== undefined && !existsSync(dirname(reportPath))) {
    throw new UsageError(`--report: directory '${dirname(reportPath)}' does not exist`);
  }
  if (options.apiKey === undefined && options.baseUrl === DEFAULT_BASE_URL) {
    io.stderr.write(
      'aliasgate: no API key (--key, GEMINI_API_KEY or GOOGLE_API_KEY); expect 403 PERMISSION_DENIED\n',
    );
  }
  const progress = progressDisplay(io.stderr, options.calls * options.models.length);
  const result = await runProbe(options, { onProgress: (p) => progress.update(p) }).finally(() =>
    progress.stop(),
  );
  const analysis = analyze(result);
  const safe = (text: string) => redactSecret(text, options.apiKey);
  const view = json
    ? `${JSON.stringify(toJsonDocument(analysis, maxFailureRate), null, 2)}\n`
    : renderTable(analysis, maxFailureRate);
  io.stdout.write(safe(view));
  if (analysis.unreachable) io.stderr.write(`aliasgate: ${analysis.notes[0]}\n`);
  if (reportPath !== undefined) {
    const report = renderReport(analysis, {
      nodeVersion: process.version,
      platform: `${process.platform} ${process.arch}`,
    });
    await writeFile(reportPath, safe(report));
    io.stderr.write(`aliasgate: report written to ${reportPath}\n`);
  }
  return probeExitStatus(analysis, maxFailureRate);
}
