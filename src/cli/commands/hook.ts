import { text } from 'node:stream/consumers';
import { defineCommand } from 'citty';
import { isTrackingEnabled } from '../../lib/tracker/config.ts';
import { TrackerError, formatFieldIssue } from '../../lib/tracker/errors.ts';
import { catchUpClaudeHooks, parseClaudeHookInput, runClaudeHook, spawnDetached } from '../../lib/tracker/hooks/claude.ts';
import { kiroHookInputSchema, kiroStart, kiroStop, type KiroHookInput, type KiroStopResult } from '../../lib/tracker/hooks/kiro.ts';
import type { ImportSummary } from '../../lib/tracker/importers/writer.ts';
import { issuesFromZod } from '../../lib/tracker/validate.ts';
import { armHookDeadline, csvArg, describeErrorLine, EXIT, jsonArg, ledgerTarget, printJson, reportSpooled, UsageError, type LedgerTarget } from '../_shared.ts';

const AGENTS = ['claude', 'kiro', 'kiro-start', 'kiro-stop'] as const;
type HookAgent = (typeof AGENTS)[number];

interface HookArgs {
  agent: HookAgent;
  csv: string | undefined;
  model: string | undefined;
  strict: boolean;
  catchUp: boolean;
}

type HookOutcome = { note?: string; output: unknown; code?: number };

function describeImport(summary: ImportSummary): string | undefined {
  const held = summary.skipped.in_progress ?? 0;
  const rejected = summary.rejections.map((rejection) => `; not recorded: ${rejection}`).join('');
  if (rejected === '' && held === 0) return undefined;
  return `token-ledger: ${summary.added} added${held > 0 ? `, ${held} response still being written (the next run adds it)` : ''}${rejected}`;
}

async function runClaude(args: HookArgs): Promise<HookOutcome> {
  // The ledger is that of the agent's working folder (the payload's cwd), unless --csv, config or TOKEN_LEDGER_CSV say otherwise.
  if (args.catchUp) {
    const target = ledgerTarget(args.csv, undefined);
    const summaries = await catchUpClaudeHooks({ loaded: target.loaded, ledgerPath: target.path });
    return { output: { status: 'caught-up', sessions: summaries.length, added: summaries.reduce((total, summary) => total + summary.added, 0) } };
  }
  const input = parseClaudeHookInput(await text(process.stdin));
  const target = ledgerTarget(args.csv, input.cwd);
  if (!isTrackingEnabled(target.loaded.config)) return disabled(args.agent);
  const outcome = await runClaudeHook(input, {
    loaded: target.loaded,
    ledgerPath: target.path,
    now: new Date(),
    startCatchUp: () => spawnDetached(process.execPath, [process.argv[1] ?? '', 'hook', 'claude', '--catch-up', '--csv', target.path], target.loaded.root),
  });
  if (outcome.status === 'deferred') {
    return {
      note: 'token-ledger: indexing the existing ledger once, in the background; this session\'s rows follow in a few seconds',
      output: outcome,
    };
  }
  return { note: describeImport(outcome.summary), output: outcome.summary };
}

function parseKiroInput(raw: string): KiroHookInput {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new TrackerError('INVALID_INPUT', `stdin: not the JSON a Kiro hook sends (${(error as Error).message})`, {
      hint: 'Run `token-ledger hook kiro` from a command hook in .kiro/hooks/*.json, which pipes {"hook_event_name", "session_id", "cwd", ...} to stdin; legacy .kiro.hook files use `hook kiro-start` / `hook kiro-stop`.',
    });
  }
  const result = kiroHookInputSchema.safeParse(value);
  if (!result.success) {
    throw new TrackerError('INVALID_INPUT', `stdin: the Kiro hook input lacks what the tracker needs: ${issuesFromZod(result.error, value).map(formatFieldIssue).join('; ')}`, {
      hint: 'Expected {"hook_event_name": "UserPromptSubmit" | "Stop", "session_id", "cwd", "prompt"} as Kiro sends it.',
    });
  }
  return result.data;
}

function describeStop(outcome: KiroStopResult, strict: boolean): HookOutcome {
  if (outcome.status === 'no-start') {
    return {
      note: 'token-ledger: a stop without a prompt hook before it (is the prompt hook installed and enabled?); nothing recorded',
      output: { status: 'no-start' },
    };
  }
  if (outcome.status === 'stale') {
    return {
      note: `token-ledger: the prompt started at ${outcome.pending.started_at} is ${Math.round(outcome.seconds)} s old, past the 3600 s limit of one interaction; nothing recorded`,
      output: { status: 'stale', started_at: outcome.pending.started_at },
    };
  }
  if (outcome.result.status === 'disabled') return { note: `token-ledger: nothing recorded: ${outcome.result.reason}`, output: outcome.result };
  return { output: outcome.result, code: reportSpooled([outcome.result], strict) };
}

function describeStart(abandoned: { started_at: string } | undefined): HookOutcome {
  const note = abandoned
    ? `token-ledger: the prompt started at ${abandoned.started_at} never reached its stop hook, so it was not recorded; tracking the new prompt`
    : undefined;
  return { note, output: { status: 'started', abandoned: abandoned?.started_at ?? null } };
}

function disabled(agent: HookAgent): HookOutcome {
  return { note: `token-ledger: hook ${agent}: tracking is disabled by configuration; nothing recorded`, output: { status: 'disabled' } };
}

/** Runs one hook; returns the line for stderr (if any), what --json prints, and the exit code. */
async function runHook(args: HookArgs): Promise<HookOutcome> {
  const now = new Date();
  const env = process.env;
  switch (args.agent) {
    case 'claude':
      return runClaude(args);
    case 'kiro': {
      const input = parseKiroInput(await text(process.stdin));
      const target = ledgerTarget(args.csv, input.cwd);
      if (!isTrackingEnabled(target.loaded.config)) return disabled(args.agent);
      const context = { loaded: target.loaded, env, now, session: input.session_id || undefined };
      if (input.hook_event_name === 'UserPromptSubmit') return describeStart(kiroStart({ ...context, prompt: input.prompt ?? env.USER_PROMPT ?? '' }).abandoned);
      if (input.hook_event_name === 'Stop') {
        return describeStop(await kiroStop({ ...context, csvPath: target.path, model: args.model, prompt: input.prompt, response: input.assistant_response }), args.strict);
      }
      return { note: `token-ledger: hook kiro: ${input.hook_event_name} is not a prompt or stop event; nothing recorded (attach it to UserPromptSubmit and Stop)`, output: { status: 'ignored' } };
    }
    case 'kiro-start': {
      const target = ledgerTarget(args.csv, undefined);
      if (!isTrackingEnabled(target.loaded.config)) return disabled(args.agent);
      return describeStart(kiroStart({ loaded: target.loaded, env, now, prompt: env.USER_PROMPT ?? '' }).abandoned);
    }
    case 'kiro-stop': {
      const target = ledgerTarget(args.csv, undefined);
      if (!isTrackingEnabled(target.loaded.config)) return disabled(args.agent);
      return describeStop(await kiroStop({ loaded: target.loaded, env, now, csvPath: target.path, model: args.model, prompt: env.USER_PROMPT }), args.strict);
    }
  }
}

export default defineCommand({
  meta: {
    name: 'hook',
    description:
      'Hook entry points: claude (Claude Code hook JSON on stdin), kiro (Kiro v1 .kiro/hooks/*.json: UserPromptSubmit and Stop, JSON on stdin), kiro-start / kiro-stop (legacy .kiro.hook promptSubmit / agentStop; env USER_PROMPT). Always exits 0 unless --strict',
  },
  args: {
    agent: { type: 'positional', required: true, description: `Which hook: ${AGENTS.join(', ')}`, valueHint: AGENTS.join('|') },
    model: { type: 'string', description: 'kiro, kiro-stop: the model Kiro used, so the estimate can be priced', valueHint: 'MODEL' },
    strict: { type: 'boolean', description: 'Exit 1 on any failure (or when the row was only spooled), 2 on a usage error, instead of 0 with a line on stderr' },
    'catch-up': { type: 'boolean', description: 'claude: index a large existing ledger and import the sessions whose hooks waited for it (started by the hook itself)' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const agent = AGENTS.find((name) => name === args.agent);
    if (!agent) throw new UsageError(`hook: the hook must be one of ${AGENTS.join(', ')} (got ${JSON.stringify(args.agent)})`);
    const strict = Boolean(args.strict);
    const catchUp = Boolean(args['catch-up']);
    // A failing tracker must never break the agent: one clear line on stderr, exit 0, within the hook budget.
    // The background catch-up is no hook call: it may take as long as indexing the ledger takes.
    if (!catchUp) armHookDeadline(strict);
    try {
      const { note, output, code } = await runHook({ agent, csv: args.csv, model: args.model, strict, catchUp });
      if (note) process.stderr.write(`${note}\n`);
      if (args.json) printJson(output);
      return code ?? EXIT.ok;
    } catch (error) {
      process.stderr.write(`${describeErrorLine(error)}\n`);
      return strict ? EXIT.invalid : EXIT.ok;
    }
  },
});
