/**
 * `hook claude`: a Claude Code hook (Stop, SubagentStop, SessionEnd) hands
 * over its session's transcript path; the responses in it that the ledger
 * does not hold yet are imported. The transcript can lag the hook, so a
 * response still being written is left for the next run, which adds it once.
 */
import { existsSync } from 'node:fs';
import { TrackerError, formatFieldIssue } from '../errors.ts';
import { sessionTranscripts } from '../importers/claude/paths.ts';
import { claudeRecords } from '../importers/claude/parser.ts';
import { claudeHookInputSchema, type ClaudeHookInput } from '../importers/claude/schema.ts';
import { importRecords, newImportSummary, type ImportSummary, type ImportTarget } from '../importers/writer.ts';
import { issuesFromZod } from '../validate.ts';

export function parseClaudeHookInput(text: string): ClaudeHookInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TrackerError('INVALID_INPUT', `stdin: not the JSON a Claude Code hook sends (${(error as Error).message})`, {
      hint: 'Run `token-ledger hook claude` from a Claude Code hook (settings.json "hooks"), which pipes {"session_id", "transcript_path", ...} to stdin.',
    });
  }
  const result = claudeHookInputSchema.safeParse(raw);
  if (!result.success) {
    const issues = issuesFromZod(result.error, raw).map(formatFieldIssue).join('; ');
    throw new TrackerError('INVALID_INPUT', `stdin: the Claude Code hook input lacks what the tracker needs: ${issues}`, {
      hint: 'Expected {"session_id", "transcript_path", "hook_event_name", "cwd"} as Claude Code sends it.',
    });
  }
  return result.data;
}

export async function runClaudeHook(input: ClaudeHookInput, target: ImportTarget): Promise<ImportSummary> {
  if (!existsSync(input.transcript_path)) {
    throw new TrackerError('INVALID_INPUT', `The transcript ${input.transcript_path} does not exist (yet)`, {
      hint: 'Nothing was recorded; the next hook run of this session imports what the transcript then holds.',
    });
  }
  const files = await sessionTranscripts(input.transcript_path, input.session_id);
  if (input.agent_transcript_path !== undefined && existsSync(input.agent_transcript_path) && !files.includes(input.agent_transcript_path)) {
    files.push(input.agent_transcript_path);
  }
  // After SessionEnd nothing more is written, so even a response without a stop_reason is complete.
  const settleAll = input.hook_event_name === 'SessionEnd';
  return importRecords(newImportSummary('claude', target.ledgerPath), (stats) => claudeRecords(files, stats, { settleAll, now: target.now }), target);
}
