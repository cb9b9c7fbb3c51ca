import { text } from 'node:stream/consumers';
import { defineCommand } from 'citty';
import { isTrackingEnabled } from '../../lib/tracker/config.ts';
import { parseClaudeHookInput, runClaudeHook } from '../../lib/tracker/hooks/claude.ts';
import { kiroStart, kiroStop } from '../../lib/tracker/hooks/kiro.ts';
import { armHookDeadline, csvArg, describeError, EXIT, jsonArg, ledgerTarget, printJson, reportSpooled, UsageError, type LedgerTarget } from '../_shared.ts';

const AGENTS = ['claude', 'kiro-start', 'kiro-stop'] as const;
type HookAgent = (typeof AGENTS)[number];

interface HookArgs {
  agent: HookAgent;
  model: string | undefined;
  strict: boolean;
}

/** Runs one hook; returns the line for stderr (if any), what --json prints, and the exit code. */
async function runHook(args: HookArgs, target: LedgerTarget): Promise<{ note?: string; output: unknown; code?: number }> {
  const now = new Date();
  const env = process.env;
  switch (args.agent) {
    case 'claude': {
      const input = parseClaudeHookInput(await text(process.stdin));
      const summary = await runClaudeHook(input, { loaded: target.loaded, ledgerPath: target.path, now });
      const held = summary.skipped.in_progress ?? 0;
      const rejected = summary.rejections.map((rejection) => `; not recorded: ${rejection}`).join('');
      const note = rejected !== '' || held > 0 ? `token-ledger: ${summary.added} added${held > 0 ? `, ${held} response still being written (the next run adds it)` : ''}${rejected}` : undefined;
      return { note, output: summary };
    }
    case 'kiro-start': {
      const { abandoned } = kiroStart({ loaded: target.loaded, env, now });
      const note = abandoned
        ? `token-ledger: the prompt started at ${abandoned.started_at} never reached agentStop, so it was not recorded; tracking the new prompt`
        : undefined;
      return { note, output: { status: 'started', abandoned: abandoned?.started_at ?? null } };
    }
    case 'kiro-stop': {
      const outcome = await kiroStop({ loaded: target.loaded, env, now, csvPath: target.path, model: args.model });
      if (outcome.status === 'no-start') {
        return {
          note: 'token-ledger: agentStop without a promptSubmit before it (is the kiro-start hook installed and enabled?); nothing recorded',
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
      return { output: outcome.result, code: reportSpooled([outcome.result], args.strict) };
    }
  }
}

export default defineCommand({
  meta: {
    name: 'hook',
    description: 'Hook entry points: claude (Claude Code hook JSON on stdin), kiro-start (promptSubmit), kiro-stop (agentStop); env USER_PROMPT',
  },
  args: {
    agent: { type: 'positional', required: true, description: `Which hook: ${AGENTS.join(', ')}`, valueHint: AGENTS.join('|') },
    model: { type: 'string', description: 'kiro-stop: the model Kiro used, so the estimate can be priced', valueHint: 'MODEL' },
    strict: { type: 'boolean', description: 'Exit 1 on any failure (or when the row was only spooled) instead of 0 with a line on stderr' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const agent = AGENTS.find((name) => name === args.agent);
    if (!agent) throw new UsageError(`hook: the hook must be one of ${AGENTS.join(', ')} (got ${JSON.stringify(args.agent)})`);
    const strict = Boolean(args.strict);
    // A failing tracker must never break the agent: one clear line on stderr, exit 0, within the hook budget.
    armHookDeadline(strict);
    try {
      const target = ledgerTarget(args.csv);
      if (!isTrackingEnabled(target.loaded.config)) {
        process.stderr.write(`token-ledger: hook ${agent}: tracking is disabled by configuration; nothing recorded\n`);
        return EXIT.ok;
      }
      const { note, output, code } = await runHook({ agent, model: args.model, strict }, target);
      if (note) process.stderr.write(`${note}\n`);
      if (args.json) printJson(output);
      return code ?? EXIT.ok;
    } catch (error) {
      process.stderr.write(`${describeError(error)}\n`);
      return strict ? EXIT.invalid : EXIT.ok;
    }
  },
});
