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
import { newImportSummary, writeImported, type ImportSummary, type ImportTarget } from '../importers/writer.ts';
import type { RecordInput } from '../record/record.ts';
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
  const summary = newImportSummary('claude', target.ledgerPath);
  // One session is small: read it whole first, so the duplicate check can skip
  // ledger parts closed before the session began instead of reading all history.
  const candidates: RecordInput[] = [];
  for await (const candidate of claudeRecords(files, summary, { settleAll, now: target.now })) candidates.push(candidate);
  await writeImported(fromArray(candidates), { ...target, oldestEvent: oldestEventOf(candidates) }, summary);
  return summary;
}

/** A day before the session's first response, as margin for clocks that disagree. */
function oldestEventOf(candidates: readonly RecordInput[]): Date | undefined {
  let oldest = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const time = Date.parse(String(candidate.timestamp));
    if (time < oldest) oldest = time;
  }
  return Number.isFinite(oldest) ? new Date(oldest - 86_400_000) : undefined;
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
