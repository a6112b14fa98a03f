import { userInfo } from 'node:os';
import { Command } from 'commander';
import { request } from 'undici';
import { adminUrlFile, defaultTokenFile, readAdminToken, readAdminUrl } from '../admin/token.js';
import { loadConfig } from '../config/load.js';
import { STAGES } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { AuditEntry, Incident } from '../store/operator-store.js';
import { openSqliteOperatorStore } from '../store/sqlite/sqlite-operator-store.js';
import type { CommandContext } from './io.js';
import { renderStatus } from './status-view.js';

export interface AdminOptions {
  url?: string;
  adminToken?: string;
  tokenFile?: string;
  config?: string;
  json?: boolean;
}

/** Where the admin listener is and how to get in: flags, then the environment, then the gateway's config and token file. */
interface AdminTarget {
  url: string;
  token: string | undefined;
}

const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8081';

/** `aliasgate status | stage | reload | incidents | pull | restore | audit`: thin clients of a running gateway's admin API. */
/** The flags every admin-API command takes: where the admin listener is, the token, JSON output. */
export function withAdmin(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      `the gateway's admin listener (env ALIASGATE_ADMIN_URL; default ${DEFAULT_ADMIN_URL})`,
    )
    .option(
      '--admin-token <token>',
      'admin token (env ALIASGATE_ADMIN_TOKEN; default: the gateway’s token file)',
    )
    .option('--token-file <file>', 'read the admin token from this file (default: .aliasgate/admin-token)')
    .option('-c, --config <file>', 'the gateway’s config: its admin listener and token file')
    .option('--json', 'print JSON');
}

export function operatorCommands(ctx: CommandContext): Command[] {
  const status = withAdmin(
    new Command('status').description('each alias, its targets, their state and recent success rates'),
  ).action(async (opts: AdminOptions) => {
    const body = await adminCall(ctx, opts, 'GET', '/admin/status');
    ctx.io.stdout.write(opts.json ? `${JSON.stringify(body, null, 2)}\n` : renderStatus(body as never));
    ctx.exit(0);
  });

  const change = (name: 'pull' | 'restore', description: string) =>
    withAdmin(new Command(name).description(description))
      .argument('<alias>', 'the alias')
      .argument('<model>', 'the target model (backing build) of that alias')
      .option('--upstream <name>', 'only the target on this upstream (default: the model on every upstream)')
      .requiredOption('--reason <text>', 'why (kept in the audit log; required)')
      .option('--by <name>', 'who (kept in the audit log)', safeUser())
      .option(
        '--state <file>',
        'write to this SQLite state file directly (the gateway is stopped; it applies at start)',
      )
      .action(
        async (
          alias: string,
          model: string,
          opts: AdminOptions & { reason: string; by: string; state?: string; upstream?: string },
        ) => {
          if (opts.state) {
            const store = openSqliteOperatorStore(opts.state);
            try {
              const request = {
                alias,
                upstream: opts.upstream ?? '*',
                model,
                by: opts.by,
                reason: opts.reason,
              };
              const { changed } = await store[name](request);
              ctx.io.stdout.write(
                `${name} ${alias} ${model}: ${changed ? 'done' : 'no change'} (state file ${opts.state})\n`,
              );
            } finally {
              await store.close();
            }
          } else {
            const body = (await adminCall(ctx, opts, 'POST', `/admin/${name}`, {
              alias,
              model,
              reason: opts.reason,
              by: opts.by,
              ...(opts.upstream ? { upstream: opts.upstream } : {}),
            })) as { changed: boolean };
            ctx.io.stdout.write(
              opts.json
                ? `${JSON.stringify(body)}\n`
                : `${name} ${alias} ${model}: ${body.changed ? 'done' : 'no change (already so)'}\n`,
            );
          }
          ctx.exit(0);
        },
      );

  const audit = withAdmin(
    new Command('audit').description('who changed what, when and why; ejections and re-admissions'),
  )
    .option('--limit <n>', 'entries', '50')
    .action(async (opts: AdminOptions & { limit: string }) => {
      const body = (await adminCall(
        ctx,
        opts,
        'GET',
        `/admin/audit?limit=${encodeURIComponent(opts.limit)}`,
      )) as { entries: AuditEntry[] };
      if (opts.json) ctx.io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      else
        for (const e of body.entries) {
          ctx.io.stdout.write(
            `${new Date(e.at).toISOString()}  ${e.action.padEnd(8)} ${e.alias} ${e.model}  by ${e.actor}  ${e.reason}\n`,
          );
        }
      ctx.exit(0);
    });

  const stage = withAdmin(
    new Command('stage').description(
      "change an alias's lifecycle now: what GET /v1beta/models, the deprecation headers and the OpenAI models list say",
    ),
  )
    .argument('<alias>', 'the alias')
    .argument('[stage]', `the new stage: ${STAGES.join(', ')}`)
    .option('--replacement <alias>', 'what clients should use instead (required for deprecated)')
    .option('--shutdown <date>', 'the date it stops answering, YYYY-MM-DD')
    .option('--reset', "drop the operator's stage: the config file's applies again")
    .requiredOption('--reason <text>', 'why (kept in the audit log; required)')
    .option('--by <name>', 'who (kept in the audit log)', safeUser())
    .action(
      async (
        alias: string,
        value: string | undefined,
        opts: AdminOptions & {
          replacement?: string;
          shutdown?: string;
          reset?: boolean;
          reason: string;
          by: string;
        },
      ) => {
        if (!opts.reset && value === undefined)
          throw new UsageError(`give a stage (${STAGES.join(', ')}) or --reset`);
        const body = (await adminCall(ctx, opts, 'POST', '/admin/stage', {
          alias,
          ...(opts.reset ? { reset: true } : { stage: value }),
          ...(opts.replacement ? { replacement: opts.replacement } : {}),
          ...(opts.shutdown ? { shutdown: opts.shutdown } : {}),
          reason: opts.reason,
          by: opts.by,
        })) as { stage: string | null; changed: boolean };
        const what = body.stage ?? 'the configured stage';
        ctx.io.stdout.write(
          opts.json
            ? `${JSON.stringify(body)}\n`
            : `stage ${alias}: ${what}${body.changed ? '' : ' (no change)'}\n`,
        );
        ctx.exit(0);
      },
    );

  const reload = withAdmin(
    new Command('reload').description('read and validate the config file again; a bad file changes nothing'),
  )
    .option('--force', 'let the file route to retired builds again (they are un-retired)')
    .action(async (opts: AdminOptions & { force?: boolean }) => {
      const body = (await adminCall(
        ctx,
        opts,
        'POST',
        `/admin/reload${opts.force ? '?force=true' : ''}`,
      )) as {
        warnings: string[];
      };
      if (opts.json) ctx.io.stdout.write(`${JSON.stringify(body)}\n`);
      else {
        ctx.io.stdout.write('config reloaded\n');
        for (const warning of body.warnings) ctx.io.stdout.write(`warning: ${warning}\n`);
      }
      ctx.exit(0);
    });

  const incidents = withAdmin(
    new Command('incidents').description(
      'ejection episodes: when, which target, what it cost, what the upstream said',
    ),
  )
    .option('--alias <name>', 'only this alias')
    .option('--limit <n>', 'episodes, newest first', '50')
    .action(async (opts: AdminOptions & { alias?: string; limit: string }) => {
      const query = new URLSearchParams({ limit: opts.limit, ...(opts.alias ? { alias: opts.alias } : {}) });
      const body = (await adminCall(ctx, opts, 'GET', `/admin/incidents?${query}`)) as {
        incidents: Incident[];
      };
      ctx.io.stdout.write(
        opts.json ? `${JSON.stringify(body.incidents, null, 2)}\n` : renderIncidents(body.incidents),
      );
      ctx.exit(0);
    });
  incidents.addCommand(
    withAdmin(
      new Command('report').description("one episode as a bug report for the model's provider (Markdown)"),
    )
      .argument('<id>', 'the episode, as `aliasgate incidents` lists it')
      .action(async (id: string, _opts: AdminOptions, command: Command) => {
        const opts = command.optsWithGlobals() as AdminOptions;
        const text = await adminCall(
          ctx,
          opts,
          'GET',
          `/admin/incidents/${encodeURIComponent(id)}/report`,
          undefined,
          'text',
        );
        ctx.io.stdout.write(text as string);
        ctx.exit(0);
      }),
  );

  return [
    status,
    stage,
    reload,
    incidents,
    change('pull', 'take a target out of rotation now; it stays out across restarts until restored'),
    change('restore', 'bring a pulled target back into rotation'),
    audit,
  ];
}

/**
 * The admin listener's URL and token. On the gateway's own machine nothing needs setting: the URL defaults to the
 * loopback admin port and the token to the file `serve` wrote (beside the state file, as the config says).
 */
export function adminTarget(ctx: CommandContext, opts: AdminOptions): AdminTarget {
  const config = opts.config ? loadConfig(opts.config, ctx.io.env) : undefined;
  const fromConfig = config ? `http://${hostForUrl(config.admin.host)}:${config.admin.port}` : undefined;
  const tokenFile =
    opts.tokenFile ??
    (config
      ? (config.admin.tokenFile ?? defaultTokenFile(config.state.sqlitePath))
      : defaultTokenFile(':memory:'));
  // the running gateway's own word (admin-url beside its token) beats the config's port, which may be 0
  const url =
    opts.url ??
    ctx.io.env.ALIASGATE_ADMIN_URL ??
    readAdminUrl(adminUrlFile(tokenFile)) ??
    fromConfig ??
    DEFAULT_ADMIN_URL;
  const token = opts.adminToken ?? ctx.io.env.ALIASGATE_ADMIN_TOKEN ?? readAdminToken(tokenFile);
  return { url, token };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function adminCall(
  ctx: CommandContext,
  opts: AdminOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  as: 'json' | 'text' = 'json',
): Promise<unknown> {
  const { url: base, token } = adminTarget(ctx, opts);
  let url: URL;
  try {
    url = new URL(path, base);
  } catch {
    throw new UsageError(`--url is not a URL: ${base}`);
  }
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
  } catch (e) {
    throw new Error(
      `cannot reach the gateway's admin listener at ${base}: ${(e as { code?: string }).code ?? (e as Error).message}`,
    );
  }
  const text = await res.body.text();
  if (as === 'text' && res.statusCode < 400) return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`the gateway at ${base} answered ${res.statusCode} with a body that is not JSON`);
  }
  if (res.statusCode >= 400) {
    const message = (value as { error?: { message?: string } }).error?.message ?? text;
    throw new Error(`${res.statusCode}: ${message}`);
  }
  return value;
}

function renderIncidents(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'no incidents\n';
  return incidents
    .map((i) => {
      const ended = i.endedAt === null ? 'open' : new Date(i.endedAt).toISOString();
      const top = i.messages[0]?.message ?? '';
      return `${i.id}\n  ${new Date(i.startedAt).toISOString()} → ${ended}  ${i.requests} failed, ${i.retries} retried, ${i.ejections} ejection(s)\n  ${top}\n`;
    })
    .join('');
}

export function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
}
