/**
 * Ledgers the site is built from in tests: a hostile one (markup and script
 * in every text a page shows, priced and unpriced rows, one invalid row) and
 * an empty one (header only).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRows, headerLine, validateRecord, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { PROJECT_ROOT, buildsRoot } from './site-build.ts';

export const HOSTILE_PROMPTS = ['</script><script>alert(1)</script>', '<img src=x onerror=alert(1)>'] as const;
export const HOSTILE_WORKSPACE = '<img src=x onerror=alert(3)>';
export const HOSTILE_MODEL = '<svg onload=alert(4)>';
export const HOSTILE_ERROR = '</script><img src=x onerror=alert(2)> & "quoted" <b>bold</b>';
/** Raw markup that must never reach a page unescaped. */
export const FORBIDDEN_MARKUP = ['<script>alert', '<img src=x', '<svg onload', '<b>bold</b>'] as const;

const DAY_MS = 86_400_000;

/** Written beside the builds, so every test file of a run reads the same files. */
function writeLedger(name: string, text: string): string {
  const folder = join(buildsRoot(), 'ledgers');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(`${path}.${process.pid}.tmp`, text);
  renameSync(`${path}.${process.pid}.tmp`, path);
  return path;
}

function hostileRecords(now: Date): LedgerRecord[] {
  const rows: Partial<LedgerRecord>[] = [
    { prompt_text: HOSTILE_PROMPTS[0], error_occurred: true, error_message: HOSTILE_ERROR, workspace_folder: HOSTILE_WORKSPACE, model: HOSTILE_MODEL, cost_usd: 0.5 },
    { prompt_text: HOSTILE_PROMPTS[1], error_occurred: true, error_message: 'Rate limit exceeded (429)', model: 'claude-sonnet-4-5-20250929' },
    { prompt_text: 'Summarise "this", then stop — ✅ مرحبا', model: 'claude-sonnet-4-5-20250929', cost_usd: 0.0123 },
    { prompt_text: 'Tom &amp; Jerry &lt;tags&gt;', workspace_folder: HOSTILE_WORKSPACE, model: HOSTILE_MODEL },
    { prompt_text: 'Line one\nline two, with a comma', model: '', cost_usd: 1.25 },
  ];
  return rows.map((row, index) =>
    validateRecord(
      {
        timestamp: new Date(now.getTime() - (rows.length - index) * DAY_MS * 2).toISOString(),
        prompt_text: '',
        tokens_used: 1000 + index * 250,
        elapsed_time: 1.5 + index,
        session_id: `hostile-${index % 2}`,
        workspace_folder: 'payments-api',
        hook_trigger_type: index % 2 === 0 ? 'agentExecutionCompleted' : 'userMessage',
        agent_execution_id: `exec-${index}`,
        file_patterns: '',
        hook_name: 'token-tracker-hook',
        error_occurred: false,
        error_message: '',
        transaction_id: `hostile-${index}`,
        model: '',
        input_tokens: 800 + index * 200,
        output_tokens: 200 + index * 50,
        cache_creation_tokens: 0,
        cache_read_tokens: 100 * index,
        cost_usd: null,
        usage_source: 'reported',
        // Written as schema v2 below (the site reads older ledgers too), which has neither column.
        cache_creation_1h_tokens: null,
        user: '',
        ...row,
      },
      { now, maxAgeDays: null },
    ),
  );
}

/**
 * A ledger whose texts are markup and script; one row is invalid (a count
 * that is not a number). Times count back from today's midnight UTC, so every
 * test file of a run writes the same bytes.
 */
export function hostileLedger(): string {
  const now = todayMidnight();
  const invalidRow = `${now.toISOString()},bad row,lots,1.000,s,w,manual,e,,token-tracker-hook,false,,bad-1,,,,,,,reported\n`;
  return writeLedger('hostile.csv', headerLine(2) + formatRows(hostileRecords(now), 2) + invalidRow);
}

/** Today's midnight UTC: fixtures count back from it, so every test file of a run writes the same bytes. */
export function todayMidnight(): Date {
  return new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
}

/** The sample ledger's kind of rows over the 120 days before today, so date presets like "last 30 days" hold data. */
export function recentLedger(): string {
  const path = join(buildsRoot(), 'ledgers', 'recent.csv');
  mkdirSync(join(buildsRoot(), 'ledgers'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const script = join(PROJECT_ROOT, 'scripts/generate-sample-ledger.ts');
  const result = spawnSync(process.execPath, [script, '--rows', '600', '--days', '120', '--end', todayMidnight().toISOString(), '--out', tmp], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`generate-sample-ledger failed: ${result.stderr}`);
  renameSync(tmp, path);
  return path;
}

export function emptyLedger(): string {
  return writeLedger('empty.csv', headerLine(2));
}
