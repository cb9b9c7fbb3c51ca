import { defineCommand } from 'citty';
import { TrackerError, ValidationError } from '../../lib/tracker/errors.ts';
import { recordTransactions, type RecordInput } from '../../lib/tracker/record/record.ts';
import { V3_COLUMNS } from '../../lib/tracker/schema.ts';
import { armHookDeadline, csvArg, EXIT, jsonArg, ledgerTarget, numberFlag, printJson, reportLost, reportSpooled, strictArg, writeStdout } from '../_shared.ts';

const FLAG_FIELDS = {
  prompt: ['prompt_text', 'text'],
  tokens: ['tokens_used', 'number'],
  'input-tokens': ['input_tokens', 'number'],
  'output-tokens': ['output_tokens', 'number'],
  'cache-creation-tokens': ['cache_creation_tokens', 'number'],
  'cache-read-tokens': ['cache_read_tokens', 'number'],
  'cache-creation-1h-tokens': ['cache_creation_1h_tokens', 'number'],
  elapsed: ['elapsed_time', 'number'],
  trigger: ['hook_trigger_type', 'text'],
  'hook-name': ['hook_name', 'text'],
  session: ['session_id', 'text'],
  execution: ['agent_execution_id', 'text'],
  workspace: ['workspace_folder', 'text'],
  'file-patterns': ['file_patterns', 'text'],
  model: ['model', 'text'],
  user: ['user', 'text'],
  cost: ['cost_usd', 'number'],
  timestamp: ['timestamp', 'text'],
} as const satisfies Record<string, readonly [keyof RecordInput, 'text' | 'number']>;

/**
 * Reads `--stdin`: one JSON object, or JSON Lines (one object per line) for a
 * batch. Keys must be ledger column names.
 */
async function readStdinRecords(): Promise<RecordInput[]> {
  const { text } = await import('node:stream/consumers');
  const raw = await text(process.stdin);
  const whole = tryParse(raw);
  const values = whole.ok
    ? [whole.value]
    : raw
        .split('\n')
        .map((line, index) => ({ line, number: index + 1 }))
        .filter(({ line }) => line.trim() !== '')
        .map(({ line, number }) => {
          const parsed = tryParse(line);
          if (parsed.ok) return parsed.value;
          throw new TrackerError('INVALID_INPUT', `stdin line ${number}: not valid JSON (${parsed.message}); nothing was written`, {
            hint: 'Send one JSON object whose keys are ledger column names, e.g. {"prompt_text":"hi","tokens_used":12,"elapsed_time":0.5}, or one such object per line.',
          });
        });
  if (values.length === 0) {
    throw new TrackerError('INVALID_INPUT', 'stdin: empty; nothing was written', { hint: 'Pipe a JSON object into `record --stdin`.' });
  }
  return values.map((value, index) => asRecordInput(value, values.length > 1 ? `stdin record ${index + 1}` : 'stdin'));
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function asRecordInput(value: unknown, where: string): RecordInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TrackerError('INVALID_INPUT', `${where}: expected a JSON object; nothing was written`, {
      hint: 'Send {"column": value, ...} with ledger column names as keys.',
    });
  }
  const unknown = Object.keys(value).filter((key) => !(V3_COLUMNS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      'INVALID_RECORD',
      `${where}: the record was rejected and nothing was written`,
      unknown.map((field) => ({ field, value: (value as Record<string, unknown>)[field], rule: 'is not a ledger column' })),
      `Allowed keys: ${V3_COLUMNS.join(', ')}.`,
    );
  }
  return value as RecordInput;
}

export default defineCommand({
  meta: { name: 'record', description: 'Append one interaction to the ledger and print its transaction id' },
  args: {
    prompt: { type: 'string', description: 'Prompt text (secrets redacted, long text truncated per config)', valueHint: 'TEXT' },
    tokens: { type: 'string', description: 'Total tokens used (1..1000000; 0 only with --error)', valueHint: 'N' },
    'input-tokens': { type: 'string', description: 'Input tokens, cached ones included', valueHint: 'N' },
    'output-tokens': { type: 'string', description: 'Output tokens', valueHint: 'N' },
    'cache-creation-tokens': { type: 'string', description: 'Input tokens written to the prompt cache', valueHint: 'N' },
    'cache-read-tokens': { type: 'string', description: 'Input tokens read from the prompt cache', valueHint: 'N' },
    'cache-creation-1h-tokens': {
      type: 'string',
      description: 'The part of --cache-creation-tokens written to the 1-hour cache (priced at 2x input; the rest at the 5-minute rate)',
      valueHint: 'N',
    },
    elapsed: { type: 'string', description: 'Elapsed seconds (0.001..3600)', valueHint: 'SECONDS' },
    trigger: { type: 'string', description: 'Hook trigger type (default manual)', valueHint: 'TYPE' },
    'hook-name': { type: 'string', description: 'Hook name, kebab-case (default token-tracker-hook)', valueHint: 'NAME' },
    session: { type: 'string', description: 'Session id (default: env TOKEN_LEDGER_SESSION, else per IDE process and day)', valueHint: 'ID' },
    execution: { type: 'string', description: 'Agent execution id (default: generated)', valueHint: 'ID' },
    workspace: { type: 'string', description: 'Workspace folder name (default: the workspace root folder name)', valueHint: 'NAME' },
    'file-patterns': { type: 'string', description: '";"-separated globs the hook watched', valueHint: 'GLOBS' },
    model: { type: 'string', description: 'Model id, e.g. claude-sonnet-4-5-20250929', valueHint: 'MODEL' },
    user: {
      type: 'string',
      description: 'Who ran the agent (default: config user, else env TOKEN_LEDGER_USER, else git user.email, else the OS user; config user_mode applies)',
      valueHint: 'NAME',
    },
    cost: { type: 'string', description: 'Cost in USD (default: from the pricing table)', valueHint: 'USD' },
    error: { type: 'string', description: 'Mark the interaction as failed with this message', valueHint: 'MESSAGE' },
    timestamp: { type: 'string', description: 'ISO 8601 UTC time (default: now)', valueHint: 'ISO' },
    'from-hook': { type: 'boolean', description: 'Called from an IDE hook: exit 0 on every failure with one line on stderr (the agent is never blocked); --strict keeps the exit codes' },
    stdin: { type: 'boolean', description: 'Read one JSON object (or JSON Lines, one record per line) keyed by ledger column names from stdin; flags win' },
    ...strictArg,
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const disarmDeadline = armHookDeadline(Boolean(args.strict));
    const flagged: RecordInput = {};
    for (const [flag, [field, kind]] of Object.entries(FLAG_FIELDS)) {
      const value = args[flag] as string | undefined;
      if (value !== undefined) flagged[field] = kind === 'number' ? numberFlag(value) : value;
    }
    if (args.error !== undefined) {
      flagged.error_occurred = true;
      flagged.error_message = args.error;
    }
    const inputs = args.stdin ? (await readStdinRecords()).map((input) => ({ ...input, ...flagged })) : [flagged];
    // A batch on stdin is a bulk load, not one hook call; only a single record is held to the hook budget.
    if (inputs.length > 1) disarmDeadline();
    const target = ledgerTarget(args.csv);
    const results = await recordTransactions(inputs, { loaded: target.loaded, csvPath: target.path }).catch((error: unknown) => reportLost(error, Boolean(args.strict)));
    if (typeof results === 'number') return results;
    for (const result of results) {
      if (result.status === 'disabled') {
        process.stderr.write(`token-ledger: nothing recorded: ${result.reason}\n`);
        break;
      }
      if (!args.json) writeStdout(`${result.record.transaction_id}\n`);
    }
    if (args.json) printJson(results.length === 1 ? results[0] : results);
    return reportSpooled(results, Boolean(args.strict));
  },
});
