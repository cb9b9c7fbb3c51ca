/**
 * Tracker configuration: `.kiro/token-tracker.json`, the `configuration`
 * block of a `.kiro/hooks/*.kiro.hook` file, and environment overrides, each
 * validated by one zod schema and merged over the defaults.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod/mini';
import { TrackerError, ValidationError } from './errors.ts';
import { isTimeZone, machineTimeZone } from './report/time-zone.ts';
import { issuesFromZod } from './validate.ts';

export const CONFIG_FILE = '.kiro/token-tracker.json';
export const HOOKS_DIR = '.kiro/hooks';
export const DEFAULT_LEDGER_PATH = '.kiro/token_transactions.csv';
export const PROMPT_MODES = ['full', 'truncate', 'hash', 'none'] as const;
/** How the `user` column names who ran the agent: as found, as a short hash, or not at all. */
export const USER_MODES = ['plain', 'hash', 'none'] as const;

function isRegExpSource(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

// The schemas are built on first use: most hook calls have no config layer to check,
// and building them costs a hook call more than a millisecond.
function buildConfigSchemas() {
  const redactionSchema = z.strictObject(
    {
      enabled: z.boolean({ error: 'must be true or false' }),
      extra_patterns: z.array(
        z
          .string({ error: 'must be a regular expression as text' })
          .check(z.refine(isRegExpSource, { error: 'is not a valid JavaScript regular expression (double backslashes inside JSON)' })),
        { error: 'must be a list of regular expressions' },
      ),
    },
    { error: 'must be an object with enabled and extra_patterns' },
  );

  const pricingSchema = z.strictObject(
    { file: z.nullable(z.string({ error: 'must be a path' })) },
    { error: 'must be an object with file' },
  );

  const siteSchema = z.strictObject(
    {
      top_sessions: z
        .int({ error: 'must be a whole number' })
        .check(z.minimum(0, { error: 'must not be negative (0 builds no session pages)' }), z.maximum(200, { error: 'must be at most 200' })),
      budget_usd_month: z.nullable(z.number({ error: 'must be a number of US dollars, or null' }).check(z.positive({ error: 'must be more than 0, or null for no budget' }))),
    },
    { error: 'must be an object with top_sessions and budget_usd_month' },
  );

  const configFields = {
    enabled: z.boolean({ error: 'must be true or false' }),
    csv_file_path: z.string({ error: 'must be a path' }).check(z.minLength(1, { error: 'must not be empty' })),
    max_prompt_length: z
      .int({ error: 'must be a whole number' })
      .check(z.minimum(50, { error: 'must be at least 50' }), z.maximum(100_000, { error: 'must be at most 100000' })),
    prompt_mode: z.enum(PROMPT_MODES, { error: `must be one of ${PROMPT_MODES.join(', ')}` }),
    user: z.nullable(
      z.string({ error: 'must be text (who runs the agent, e.g. an email) or null' }).check(
        z.maxLength(254, { error: 'must be at most 254 characters' }),
        z.refine((value) => !/[\u0000-\u001f\u007f]/.test(value), { error: 'must not contain control characters' }),
      ),
    ),
    user_mode: z.enum(USER_MODES, { error: `must be one of ${USER_MODES.join(', ')}` }),
    max_age_days: z.int({ error: 'must be a whole number' }).check(z.minimum(1, { error: 'must be at least 1' })),
    backup_enabled: z.boolean({ error: 'must be true or false' }),
    backup_interval_hours: z.number({ error: 'must be a number' }).check(z.positive({ error: 'must be more than 0' })),
    compression_enabled: z.boolean({ error: 'must be true or false' }),
    retention_days: z.int({ error: 'must be a whole number' }).check(z.minimum(1, { error: 'must be at least 1' })),
    rotate_size_mb: z.number({ error: 'must be a number' }).check(z.minimum(0, { error: 'must not be negative (0 turns rotation off)' })),
    lock_timeout_ms: z
      .int({ error: 'must be a whole number' })
      .check(z.minimum(50, { error: 'must be at least 50' }), z.maximum(5000, { error: 'must be at most 5000 (hooks have a 5 s budget)' })),
    timezone: z.nullable(
      z
        .string({ error: 'must be a time zone name like Europe/Berlin, or null for the machine\'s zone' })
        .check(z.refine(isTimeZone, { error: 'is not a time zone: give an IANA name like Europe/Berlin or America/New_York, UTC, or null for the machine\'s zone' })),
    ),
    redaction: redactionSchema,
    pricing: pricingSchema,
    site: siteSchema,
    // Keys of the original hook-file `configuration` block, accepted as they were.
    track_tokens: z.boolean({ error: 'must be true or false' }),
    include_metadata: z.boolean({ error: 'must be true or false' }),
    error_handling: z.enum(['graceful', 'strict'], { error: 'must be graceful or strict' }),
  };

  const complete = z.strictObject(configFields);
  // A layer may set any field, and any part of a nested one.
  const partial = z.partial(z.strictObject({ ...configFields, redaction: z.partial(redactionSchema), pricing: z.partial(pricingSchema), site: z.partial(siteSchema) }));
  return { complete, partial };
}
let configSchemas: ReturnType<typeof buildConfigSchemas> | undefined;
const schemas = () => (configSchemas ??= buildConfigSchemas());

/** The zod schema of a complete configuration. */
export function trackerConfigSchema(): ReturnType<typeof buildConfigSchemas>['complete'] {
  return schemas().complete;
}

export type TrackerConfig = z.output<ReturnType<typeof buildConfigSchemas>['complete']>;
type PartialConfig = z.output<ReturnType<typeof buildConfigSchemas>['partial']>;

export const DEFAULT_CONFIG: TrackerConfig = {
  enabled: true,
  csv_file_path: DEFAULT_LEDGER_PATH,
  max_prompt_length: 1000,
  prompt_mode: 'truncate',
  user: null,
  user_mode: 'plain',
  max_age_days: 365,
  backup_enabled: false,
  backup_interval_hours: 24,
  compression_enabled: true,
  retention_days: 365,
  rotate_size_mb: 100,
  lock_timeout_ms: 2000,
  timezone: null,
  redaction: { enabled: true, extra_patterns: [] },
  pricing: { file: null },
  site: { top_sessions: 20, budget_usd_month: null },
  track_tokens: true,
  include_metadata: true,
  error_handling: 'graceful',
};

/** Environment variables that override the files, and the field each sets. */
export const ENV_OVERRIDES = {
  TOKEN_LEDGER_CSV: 'csv_file_path',
  TOKEN_LEDGER_ENABLED: 'enabled',
  TOKEN_LEDGER_PROMPT_MODE: 'prompt_mode',
  TOKEN_LEDGER_MAX_PROMPT_LENGTH: 'max_prompt_length',
  TOKEN_LEDGER_TIMEZONE: 'timezone',
} as const satisfies Record<string, keyof TrackerConfig>;

export interface LoadedConfig {
  config: TrackerConfig;
  /** The workspace root: the nearest folder holding `.kiro` or `.git`, else the start folder. */
  root: string;
  /** Absolute path of the ledger the config names. */
  ledgerPath: string;
  /** Where settings came from, for `doctor` and error messages. */
  sources: string[];
}

export interface LoadConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function findWorkspaceRoot(start: string): string {
  let folder = resolve(start);
  for (;;) {
    if (existsSync(join(folder, '.kiro')) || existsSync(join(folder, '.git'))) return folder;
    const parent = dirname(folder);
    if (parent === folder) return resolve(start);
    folder = parent;
  }
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const root = findWorkspaceRoot(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const sources: string[] = [];
  const layers: PartialConfig[] = [];

  const hookFile = findHookConfiguration(root);
  if (hookFile) {
    layers.push(checkLayer(hookFile.configuration, `the "configuration" block of ${hookFile.path}`));
    sources.push(hookFile.path);
  }
  const configPath = join(root, CONFIG_FILE);
  if (existsSync(configPath)) {
    layers.push(checkLayer(readJson(configPath), configPath));
    sources.push(configPath);
  }
  const envLayer = readEnvOverrides(env);
  if (Object.keys(envLayer).length > 0) {
    layers.push(checkLayer(envLayer, 'environment variables (TOKEN_LEDGER_*)'));
    sources.push('environment');
  }

  const config = layers.reduce<TrackerConfig>(
    (merged, layer) => ({
      ...merged,
      ...layer,
      redaction: { ...merged.redaction, ...layer.redaction },
      pricing: { ...merged.pricing, ...layer.pricing },
      site: { ...merged.site, ...layer.site },
    }),
    DEFAULT_CONFIG,
  );
  return { config, root, ledgerPath: resolve(root, config.csv_file_path), sources };
}

/**
 * The entries of a ledger list (`--csv`, TOKEN_LEDGER_CSV, csv_file_path):
 * comma-separated, commas inside a glob's braces ({a,b}) not separating.
 */
export function splitLedgerList(spec: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of spec) {
    if (char === '{') depth += 1;
    else if (char === '}') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

/**
 * Whether a ledger setting names several ledgers or a glob, which only
 * readers accept. A plain test, not tinyglobby: every hook call runs it.
 */
export function namesSeveralLedgers(spec: string): boolean {
  return splitLedgerList(spec).length > 1 || /[*?[\]{}]/.test(spec);
}

/**
 * The ledger setting in force: the --csv flag (relative to `cwd`), else
 * TOKEN_LEDGER_CSV or csv_file_path (relative to the workspace root), and
 * which of them it is, for messages.
 */
export function ledgerSetting(
  csvFlag: string | undefined,
  loaded: { config: Pick<TrackerConfig, 'csv_file_path'>; root: string },
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): { spec: string; base: string; where: string } {
  if (csvFlag) return { spec: csvFlag, base: cwd, where: '--csv' };
  const where = env.TOKEN_LEDGER_CSV ? 'TOKEN_LEDGER_CSV' : 'csv_file_path';
  return { spec: loaded.config.csv_file_path, base: loaded.root, where };
}

/** The zone reports and the site count days in: the `timezone` setting, else the machine's zone. */
export function configuredTimeZone(config: TrackerConfig): string {
  return config.timezone ?? machineTimeZone();
}

/** Tracking is on unless either the new or the original switch turns it off. */
export function isTrackingEnabled(config: TrackerConfig): boolean {
  return config.enabled && config.track_tokens;
}

function checkLayer(raw: unknown, where: string): PartialConfig {
  const result = schemas().partial.safeParse(raw);
  if (result.success) return result.data;
  throw new ValidationError(
    'INVALID_CONFIG',
    `Invalid configuration in ${where}; the ledger was not touched`,
    issuesFromZod(result.error, raw),
    `Fix the listed fields (allowed fields: ${Object.keys(DEFAULT_CONFIG).join(', ')}).`,
  );
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrackerError('INVALID_CONFIG', `Cannot read ${path}: ${(error as Error).message}`, {
      hint: 'The file must hold one JSON object; fix or remove it.',
      cause: error,
    });
  }
}

function findHookConfiguration(root: string): { path: string; configuration: unknown } | undefined {
  const folder = join(root, HOOKS_DIR);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.kiro.hook')) continue;
    const path = join(folder, name);
    const hook = readJson(path);
    if (hook !== null && typeof hook === 'object' && 'configuration' in hook) {
      return { path, configuration: hook.configuration };
    }
  }
  return undefined;
}

function readEnvOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(ENV_OVERRIDES)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    layer[field] = parseEnvValue(text, typeof DEFAULT_CONFIG[field]);
  }
  return layer;
}

/** Env values are text; read them as the type the field's default has, so zod can name a bad one. */
function parseEnvValue(text: string, type: string): unknown {
  if (type === 'boolean') {
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
  }
  if (type === 'number' && /^\d+$/.test(text)) return Number(text);
  return text;
}
