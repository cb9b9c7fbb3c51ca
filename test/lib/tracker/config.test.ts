import { mkdirSync, mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configuredTimeZone, loadConfig, machineTimeZone, recordTransaction, ValidationError, TrackerError } from '../../../src/lib/tracker/index.ts';

function workspace(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-config-'));
  mkdirSync(join(root, '.kiro', 'hooks'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  return root;
}

describe('config', () => {
  it('uses the defaults when there is no config file', () => {
    const root = workspace();
    const loaded = loadConfig({ cwd: root, env: {} });
    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.ledgerPath).toBe(join(root, '.kiro', 'token_transactions.csv'));
  });

  it('finds the workspace root from a subfolder', () => {
    const root = workspace();
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    expect(loadConfig({ cwd: join(root, 'src', 'deep'), env: {} }).root).toBe(root);
  });

  it('merges the hook configuration block, then the config file, then env', () => {
    const root = workspace({
      '.kiro/hooks/token-tracker.kiro.hook': JSON.stringify({ name: 'token-tracker-hook', configuration: { max_prompt_length: 300, track_tokens: true, csv_file_path: 'a.csv' } }),
      '.kiro/token-tracker.json': JSON.stringify({ csv_file_path: 'b.csv', redaction: { extra_patterns: ['ACME-[0-9]+'] } }),
    });
    const loaded = loadConfig({ cwd: root, env: { TOKEN_LEDGER_PROMPT_MODE: 'hash' } });
    expect(loaded.config.max_prompt_length).toBe(300);
    expect(loaded.ledgerPath).toBe(join(root, 'b.csv'));
    expect(loaded.config.prompt_mode).toBe('hash');
    expect(loaded.config.redaction).toEqual({ enabled: true, extra_patterns: ['ACME-[0-9]+'] });
    expect(loadConfig({ cwd: root, env: { TOKEN_LEDGER_CSV: 'c.csv' } }).ledgerPath).toBe(join(root, 'c.csv'));
  });

  it('gives one precise error for a bad field, naming file, field and value', () => {
    const root = workspace({ '.kiro/token-tracker.json': JSON.stringify({ max_prompt_length: 'long', enabld: true }) });
    const attempt = () => loadConfig({ cwd: root, env: {} });
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/token-tracker\.json/);
    expect(attempt).toThrow(/max_prompt_length: "long" must be a whole number/);
    expect(attempt).toThrow(/enabld/);
  });

  it('rejects a redaction pattern that is not a regular expression when loading', () => {
    const root = workspace({ '.kiro/token-tracker.json': JSON.stringify({ redaction: { extra_patterns: ['ACME-[0-9'] } }) });
    expect(() => loadConfig({ cwd: root, env: {} })).toThrow(/redaction\.extra_patterns\.0: "ACME-\[0-9" is not a valid JavaScript regular expression/);
  });

  it('reads the site block field by field over its defaults, and rejects a budget that is not above 0', () => {
    const root = workspace({ '.kiro/token-tracker.json': JSON.stringify({ site: { budget_usd_month: 250 } }) });
    expect(loadConfig({ cwd: root, env: {} }).config.site).toEqual({ top_sessions: 20, budget_usd_month: 250 });
    const bad = workspace({ '.kiro/token-tracker.json': JSON.stringify({ site: { budget_usd_month: 0, top_sessions: 1.5 } }) });
    expect(() => loadConfig({ cwd: bad, env: {} })).toThrow(/site\.budget_usd_month: 0 must be more than 0, or null for no budget/);
    expect(() => loadConfig({ cwd: bad, env: {} })).toThrow(/site\.top_sessions: 1\.5 must be a whole number/);
  });

  it('reads the timezone setting and TOKEN_LEDGER_TIMEZONE, the machine\'s zone when unset, and names an unknown zone', () => {
    const root = workspace({ '.kiro/token-tracker.json': JSON.stringify({ timezone: 'Europe/Berlin' }) });
    expect(configuredTimeZone(loadConfig({ cwd: root, env: {} }).config)).toBe('Europe/Berlin');
    expect(configuredTimeZone(loadConfig({ cwd: root, env: { TOKEN_LEDGER_TIMEZONE: 'Asia/Kathmandu' } }).config)).toBe('Asia/Kathmandu');
    expect(configuredTimeZone(loadConfig({ cwd: workspace(), env: {} }).config)).toBe(machineTimeZone());
    const bad = workspace({ '.kiro/token-tracker.json': JSON.stringify({ timezone: 'Europe/Berln' }) });
    expect(() => loadConfig({ cwd: bad, env: {} })).toThrow(/token-tracker\.json[\s\S]*timezone: "Europe\/Berln" is not a time zone: give an IANA name like Europe\/Berlin/);
    expect(() => loadConfig({ cwd: workspace(), env: { TOKEN_LEDGER_TIMEZONE: 'Mars/Olympus' } })).toThrow(/environment variables[\s\S]*timezone: "Mars\/Olympus"/);
  });

  it('rejects a bad env override by name', () => {
    const root = workspace();
    expect(() => loadConfig({ cwd: root, env: { TOKEN_LEDGER_ENABLED: 'maybe' } })).toThrow(/environment variables.*\n.*enabled: "maybe"/);
  });

  it('reports unreadable JSON with its path', () => {
    const root = workspace({ '.kiro/token-tracker.json': '{ nope' });
    expect(() => loadConfig({ cwd: root, env: {} })).toThrow(TrackerError);
    expect(() => loadConfig({ cwd: root, env: {} })).toThrow(/Cannot read .*token-tracker\.json/);
  });

  it('makes record a no-op that says so when disabled', async () => {
    for (const config of [{ enabled: false }, { track_tokens: false }]) {
      const root = workspace({ '.kiro/token-tracker.json': JSON.stringify(config) });
      const result = await recordTransaction({ tokens_used: 5, elapsed_time: 1 }, { cwd: root, env: {} });
      expect(result).toMatchObject({ status: 'disabled', reason: expect.stringMatching(/disabled/) });
      expect(existsSync(join(root, '.kiro', 'token_transactions.csv'))).toBe(false);
    }
  });
});
