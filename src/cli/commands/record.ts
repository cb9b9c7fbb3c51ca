import { defineCommand } from 'citty';
import { text } from 'node:stream/consumers';
import { TrackerError, ValidationError, V2_COLUMNS, recordTransaction, type RecordInput } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, numberFlag, printJson } from '../_shared.ts';

const FLAG_FIELDS = {
  prompt: ['prompt_text', 'text'],
  tokens: ['tokens_used', 'number'],
  'input-tokens': ['input_tokens', 'number'],
  'output-tokens': ['output_tokens', 'number'],
  'cache-creation-tokens': ['cache_creation_tokens', 'number'],
  'cache-read-tokens': ['cache_read_tokens', 'number'],
  elapsed: ['elapsed_time', 'number'],
  trigger: ['hook_trigger_type', 'text'],
  'hook-name': ['hook_name', 'text'],
  session: ['session_id', 'text'],
  execution: ['agent_execution_id', 'text'],
  workspace: ['workspace_folder', 'text'],
  'file-patterns': ['file_patterns', 'text'],
  model: ['model', 'text'],
  cost: ['cost_usd', 'number'],
  timestamp: ['timestamp', 'text'],
} as const satisfies Record<string, readonly [keyof RecordInput, 'text' | 'number']>;

/** Reads the one JSON object `--stdin` promises; its keys must be ledger columns. */
async function readStdinRecord(): Promise<RecordInput> {
  const raw = await text(process.stdin);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new TrackerError('INVALID_INPUT', `stdin: not valid JSON (${(error as Error).message}); nothing was written`, {
      hint: 'Send one JSON object whose keys are ledger column names, e.g. {"prompt_text":"hi","tokens_used":12,"elapsed_time":0.5}.',
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TrackerError('INVALID_INPUT', 'stdin: expected one JSON object; nothing was written', {
      hint: 'Send {"column": value, ...} with ledger column names as keys.',
    });
  }
  const unknown = Object.keys(value).filter((key) => !(V2_COLUMNS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      'INVALID_RECORD',
      'The record was rejected and nothing was written',
      unknown.map((field) => ({ field, value: (value as Record<string, unknown>)[field], rule: 'is not a ledger column' })),
      `Allowed keys: ${V2_COLUMNS.join(', ')}.`,
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
    elapsed: { type: 'string', description: 'Elapsed seconds (0.001..3600)', valueHint: 'SECONDS' },
    trigger: { type: 'string', description: 'Hook trigger type (default manual)', valueHint: 'TYPE' },
    'hook-name': { type: 'string', description: 'Hook name, kebab-case (default token-tracker-hook)', valueHint: 'NAME' },
    session: { type: 'string', description: 'Session id (default: env TOKEN_LEDGER_SESSION, else per IDE process and day)', valueHint: 'ID' },
    execution: { type: 'string', description: 'Agent execution id (default: generated)', valueHint: 'ID' },
    workspace: { type: 'string', description: 'Workspace folder name (default: the workspace root folder name)', valueHint: 'NAME' },
    'file-patterns': { type: 'string', description: '";"-separated globs the hook watched', valueHint: 'GLOBS' },
    model: { type: 'string', description: 'Model id, e.g. claude-sonnet-4-5-20250929', valueHint: 'MODEL' },
    cost: { type: 'string', description: 'Cost in USD (default: from the pricing table)', valueHint: 'USD' },
    error: { type: 'string', description: 'Mark the interaction as failed with this message', valueHint: 'MESSAGE' },
    timestamp: { type: 'string', description: 'ISO 8601 UTC time (default: now)', valueHint: 'ISO' },
    stdin: { type: 'boolean', description: 'Read one JSON object keyed by ledger column names from stdin (flags win)' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const input: RecordInput = args.stdin ? await readStdinRecord() : {};
    for (const [flag, [field, kind]] of Object.entries(FLAG_FIELDS)) {
      const value = args[flag] as string | undefined;
      if (value !== undefined) input[field] = kind === 'number' ? numberFlag(value) : value;
    }
    if (args.error !== undefined) {
      input.error_occurred = true;
      input.error_message = args.error;
    }
    const target = ledgerTarget(args.csv);
    const result = await recordTransaction(input, { loaded: target.loaded, csvPath: target.path });
    if (result.status === 'disabled') {
      process.stderr.write(`token-ledger: nothing recorded: ${result.reason}\n`);
      if (args.json) printJson({ status: 'disabled', reason: result.reason });
      return EXIT.ok;
    }
    if (args.json) printJson({ status: result.status, path: result.path, schema_version: result.version, record: result.record });
    else process.stdout.write(`${result.record.transaction_id}\n`);
    return EXIT.ok;
  },
});
