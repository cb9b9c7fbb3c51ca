/**
 * Writes the sample ledger shipped in the repo (src/data/sample-ledger.csv):
 * a few hundred deterministic rows over ~60 days, several hooks, models,
 * workspaces and users, some errors, some 1-hour cache writes, and prompts
 * that stress CSV and HTML escaping. Written in the latest schema version.
 *
 *   node scripts/generate-sample-ledger.ts [--rows N] [--days N] [--end ISO] [--prompt-repeat N] [--seed N] [--out PATH]
 *
 * --end moves the period (default: the shipped sample's end); tests pass today's
 * midnight so presets such as "last 30 days" hold data.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LATEST_SCHEMA_VERSION, Pricing, formatRows, headerLine, shippedPriceTable, validateRecord, type HookTriggerType, type LedgerRecord } from '../src/lib/tracker/index.ts';
import { seededRandom } from './_seeded-random.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '420' },
    out: { type: 'string', default: fileURLToPath(new URL('../src/data/sample-ledger.csv', import.meta.url)) },
    seed: { type: 'string', default: '20261120' },
    days: { type: 'string', default: '60' },
    end: { type: 'string', default: '2026-11-20T18:00:00.000Z' },
    // Repeats each prompt to reach the ~400 bytes per row of real ledgers in benchmarks.
    'prompt-repeat': { type: 'string', default: '1' },
  },
});

const random = seededRandom(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (low: number, high: number) => Math.floor(low + random() * (high - low + 1));

const END = Date.parse(values.end);
const DAYS = Number(values.days);
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-20250514', 'claude-3-5-haiku-20241022', 'gpt-5', 'gemini-2.5-pro', 'in-house-llm'];
const WORKSPACES = ['payments-api', 'web-frontend', 'data-pipeline', 'infra'];
// One user stays unnamed (user_mode none), one is hashed (user_mode hash), as a mixed team's ledger would hold.
const USERS = ['ana@example.com', 'bo.li@example.com', 'chidi@example.com', 'dev-ops-bot', '9f2c4e1ab37d8056', ''];
const HOOKS: readonly { name: string; trigger: HookTriggerType; patterns: string }[] = [
  { name: 'token-tracker-hook', trigger: 'agentExecutionCompleted', patterns: '' },
  { name: 'kiro-prompt-submit', trigger: 'userMessage', patterns: '' },
  { name: 'lint-on-save', trigger: 'fileEdited', patterns: 'src/**/*.ts;src/**/*.tsx' },
  { name: 'nightly-review', trigger: 'scheduled', patterns: '' },
  { name: 'claude-code-stop', trigger: 'agentExecutionCompleted', patterns: '' },
  { name: 'manual-entry', trigger: 'manual', patterns: '' },
];
const PROMPTS = [
  'Refactor the invoice module, keep the public API stable',
  'Explain why "npm test" fails on CI, but not locally',
  'Write a migration that adds a "status" column, default \'open\'',
  'Summarise this diff:\n- removed retry loop\n+ added backoff, capped at 5 s',
  'Add tests for the CSV export 🚀 — edge cases: commas, quotes, newlines',
  'Translate the error message to Arabic: "حدث خطأ أثناء الحفظ"',
  'Review </script><script>alert(1)</script> handling in the template',
  'Render a preview of <img src=x onerror=alert(1)> safely',
  'Why is p95 latency 3× p50 after the cache change?',
  'Draft release notes for v2.3.0; mention the 🐛 fixes',
  '=SUM(A1:A9) looks like a formula; make sure exports guard it',
  'Generate fixtures for the date parser (2026-02-29 is not a date)',
];
const ERRORS = ['Rate limit exceeded (429), retry after 20 s', 'Context window exceeded: 210000 > 200000 tokens', 'Tool call timed out after 120 s', 'Network error: ECONNRESET'];

// One rules object for every row, so the compiled record schema is reused.
const rules = { now: new Date(END), maxAgeDays: null };
const pricing = new Pricing([shippedPriceTable()]);
const records: LedgerRecord[] = [];
const count = Number(values.rows);
const promptRepeat = Number(values['prompt-repeat']);
const sessions = Array.from({ length: Math.max(4, Math.round(count / 12)) }, (_, index) => `sess-${String(index + 1).padStart(3, '0')}`);
for (let index = 0; index < count; index += 1) {
  const time = END - Math.floor(random() * DAYS * 86_400_000);
  const hook = pick(HOOKS);
  const failed = random() < 0.06;
  const model = pick(MODELS);
  const cacheRead = random() < 0.6 ? between(0, 40_000) : 0;
  const cacheCreation = random() < 0.3 ? between(0, 8_000) : 0;
  // About a third of Claude's cache writes go to the 1-hour cache; some rows only know the total.
  const oneHour = model.startsWith('claude') && cacheCreation > 0 && random() < 0.35;
  const cacheCreation1h = oneHour ? between(1, cacheCreation) : random() < 0.5 ? null : 0;
  const input = cacheRead + cacheCreation + between(200, 12_000);
  const output = failed ? 0 : between(50, 4_000);
  const known = !failed && random() < 0.9;
  const counts = {
    input_tokens: known || !failed ? input : null,
    output_tokens: known || !failed ? output : null,
    cache_creation_tokens: cacheCreation,
    cache_read_tokens: cacheRead,
    cache_creation_1h_tokens: cacheCreation1h,
  };
  records.push(
    validateRecord(
      {
        timestamp: new Date(time).toISOString(),
        prompt_text: Array.from({ length: promptRepeat }, () => pick(PROMPTS)).join('\n'),
        tokens_used: failed && random() < 0.5 ? 0 : input + output,
        elapsed_time: Math.round((0.4 + random() * random() * 90) * 1000) / 1000,
        session_id: pick(sessions),
        workspace_folder: pick(WORKSPACES),
        hook_trigger_type: hook.trigger,
        agent_execution_id: `exec-${String(index + 1).padStart(5, '0')}`,
        file_patterns: hook.patterns,
        hook_name: hook.name,
        error_occurred: failed,
        error_message: failed ? pick(ERRORS) : '',
        transaction_id: `sample-${String(index + 1).padStart(5, '0')}`,
        model,
        ...counts,
        // A few rows stay unpriced (in-house-llm has no price), as in real ledgers.
        cost_usd: pricing.cost(model, counts),
        usage_source: hook.name.startsWith('kiro') ? 'estimated' : hook.name.startsWith('claude') ? 'transcript' : 'reported',
        user: pick(USERS),
      },
      rules,
    ),
  );
}
records.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
writeFileSync(values.out, headerLine(LATEST_SCHEMA_VERSION) + formatRows(records, LATEST_SCHEMA_VERSION), { mode: 0o600 });
process.stdout.write(`wrote ${records.length} rows to ${values.out}\n`);
