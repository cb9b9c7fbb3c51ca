import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateClaudeLogs, generateCodexLogs, generateGeminiLogs, generateOpenCodeLogs, type ExpectedUsage } from '../../scripts/generate-agent-logs.ts';
import { runCli } from '../helpers/cli.ts';

function workspace(): { root: string; csv: string } {
  const root = mkdtempSync(join(tmpdir(), 'tl-cli-import-'));
  mkdirSync(join(root, '.git'));
  return { root, csv: join(root, 'ledger.csv') };
}

async function reportTotals(csv: string, cwd: string): Promise<Record<string, number>> {
  const result = await runCli(['report', '--json', '--csv', csv], { cwd });
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { totals: Record<string, number> }).totals;
}

function expectTotals(totals: Record<string, number>, expected: ExpectedUsage): void {
  expect(totals).toMatchObject({
    transactions: expected.responses,
    input_tokens: expected.input_tokens,
    output_tokens: expected.output_tokens,
    cache_creation_tokens: expected.cache_creation_tokens,
    cache_read_tokens: expected.cache_read_tokens,
    tokens_used: expected.input_tokens + expected.output_tokens,
  });
}

describe('token-ledger import claude', () => {
  it('imports generated history with the generator\'s own totals, and a second run adds nothing', async () => {
    const { root, csv } = workspace();
    const dir = join(root, 'claude-home');
    const expected = generateClaudeLogs(dir, { responses: 600, seed: 3 });

    const first = await runCli(['import', 'claude', '--dir', dir, '--json', '--csv', csv], { cwd: root });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, added: expected.responses, rejected: 0 });
    expectTotals(await reportTotals(csv, root), expected);

    const byModel = await runCli(['report', '--by', 'model', '--json', '--csv', csv], { cwd: root });
    const groups = (JSON.parse(byModel.stdout) as { groups: { key: string; transactions: number; unpriced_transactions: number; cost_usd: number }[] }).groups;
    for (const group of groups) {
      expect(group.transactions).toBe(expected.by_model[group.key]);
      expect(group.unpriced_transactions).toBe(group.key === 'claude-lab-preview-x' ? group.transactions : 0);
      expect(group.cost_usd > 0).toBe(group.key !== 'claude-lab-preview-x');
    }
    const table = await runCli(['report', '--by', 'model', '--csv', csv], { cwd: root });
    expect(table.stdout).toMatch(/claude-lab-preview-x .* unpriced/);
    expect(table.stdout).toMatch(/have no price \(a model not in the pricing table/);

    // The second run reads only what was appended since: nothing.
    const second = await runCli(['import', 'claude', '--dir', dir, '--json', '--csv', csv], { cwd: root });
    expect(JSON.parse(second.stdout)).toMatchObject({ added: 0, lines: 0, bad_lines: 0, duplicates: 0 });
    expectTotals(await reportTotals(csv, root), expected);
    // Without the import state (deleted), every line is read again and the rebuilt id index keeps it all out.
    rmSync(`${csv}.imports`, { recursive: true });
    const reread = await runCli(['import', 'claude', '--dir', dir, '--json', '--csv', csv], { cwd: root });
    expect(JSON.parse(reread.stdout)).toMatchObject({ added: 0, lines: expected.lines, bad_lines: expected.bad_lines });
    expectTotals(await reportTotals(csv, root), expected);
    const validate = await runCli(['validate', '--csv', csv], { cwd: root });
    expect(validate.code).toBe(0);
  });

  it('adds nothing again after the ledger was rotated into parts', async () => {
    const { root, csv } = workspace();
    const dir = join(root, 'claude-home');
    const expected = generateClaudeLogs(dir, { responses: 40, seed: 4 });
    await runCli(['import', 'claude', '--dir', dir, '--csv', csv], { cwd: root });
    expect((await runCli(['rotate', '--force', '--csv', csv], { cwd: root })).code).toBe(0);
    rmSync(`${csv}.imports`, { recursive: true });
    const again = await runCli(['import', 'claude', '--dir', dir, '--json', '--csv', csv], { cwd: root });
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, duplicates: expected.responses + 3 });
  });

  it('names the models the price table lacks (report --by model, doctor); reprice prices them once an override has them', async () => {
    const { root, csv } = workspace();
    const dir = join(root, 'claude-home');
    const expected = generateClaudeLogs(dir, { responses: 80, seed: 6 });
    expect(expected.by_model['claude-lab-preview-x']).toBeGreaterThan(0);
    await runCli(['import', 'claude', '--dir', dir, '--csv', csv], { cwd: root });
    const byModel = async () => JSON.parse((await runCli(['report', '--by', 'model', '--json', '--csv', csv], { cwd: root })).stdout) as { unpriced_models: string[]; totals: { cost_usd: number; unpriced_transactions: number } };
    const before = await byModel();
    expect(before.unpriced_models).toEqual(['claude-lab-preview-x']);
    expect(before.totals.unpriced_transactions).toBe(expected.by_model['claude-lab-preview-x']);
    const doctor = JSON.parse((await runCli(['doctor', '--json', '--csv', csv], { cwd: root })).stdout) as { checks: { check: string; status: string; detail: string }[] };
    expect(doctor.checks.find((check) => check.check === 'pricing')).toMatchObject({ status: 'info', detail: expect.stringContaining('claude-lab-preview-x') });

    mkdirSync(join(root, '.kiro'), { recursive: true });
    writeFileSync(join(root, '.kiro', 'prices.json'), JSON.stringify({ models: { 'claude-lab-preview-x': { input: 1, output: 1, cache_write: 1, cache_read: 1 } } }));
    writeFileSync(join(root, '.kiro', 'token-tracker.json'), JSON.stringify({ pricing: { file: '.kiro/prices.json' } }));
    const reprice = await runCli(['reprice', '--json', '--csv', csv], { cwd: root });
    expect(reprice.code).toBe(0);
    const repriced = JSON.parse(reprice.stdout) as { repriced: number; rows: number; cost_before_usd: number; cost_after_usd: number; backups: string[] };
    expect(repriced).toMatchObject({ repriced: expected.by_model['claude-lab-preview-x'], rows: expected.responses });
    expect(repriced.backups).toHaveLength(1);
    const after = await byModel();
    expect(after.unpriced_models).toEqual([]);
    expect(after.totals.unpriced_transactions).toBe(0);
    expect(after.totals.cost_usd).toBeCloseTo(repriced.cost_after_usd, 8);
    expect(repriced.cost_before_usd).toBeCloseTo(before.totals.cost_usd, 8);
    expect((await runCli(['validate', '--csv', csv], { cwd: root })).code).toBe(0);
  });

  it('reads CLAUDE_CONFIG_DIR when no --dir is given', async () => {
    const { root, csv } = workspace();
    const dir = join(root, 'elsewhere');
    const expected = generateClaudeLogs(dir, { responses: 30, seed: 5 });
    const result = await runCli(['import', 'claude', '--json', '--csv', csv], { cwd: root, env: { CLAUDE_CONFIG_DIR: dir } });
    expect(JSON.parse(result.stdout)).toMatchObject({ added: expected.responses });
  });

  it('says which folder is missing and exits 1; an unknown source is a usage error', async () => {
    const { root, csv } = workspace();
    const missing = await runCli(['import', 'claude', '--dir', join(root, 'nope'), '--csv', csv], { cwd: root });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No Claude Code folder at .*nope\n {2}hint: /);
    const unknown = await runCli(['import', 'cursor', '--csv', csv], { cwd: root });
    expect(unknown.code).toBe(2);
  });

  it('reads on a worker thread from the built bundle (--threads 1, over 32 MB to read) with the totals of one thread', async () => {
    const { root, csv } = workspace();
    const dir = join(root, 'claude');
    // About 39 MB: above the 32 MB under which an import stays on one thread.
    const expected = generateClaudeLogs(dir, { responses: 14_000, seed: 5 });
    const result = await runCli(['import', 'claude', '--dir', dir, '--threads', '1', '--json', '--csv', csv], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ files: expected.files, lines: expected.lines, added: expected.responses });
    expectTotals(await reportTotals(csv, root), expected);
  });

  it('takes --threads 0 (one thread) and refuses a thread count that is not a whole number', async () => {
    const { root, csv } = workspace();
    const dir = join(root, 'claude');
    const expected = generateClaudeLogs(dir, { responses: 30, seed: 9 });
    const one = await runCli(['import', 'claude', '--dir', dir, '--threads', '0', '--json', '--csv', csv], { cwd: root });
    expect(JSON.parse(one.stdout)).toMatchObject({ added: expected.responses });
    const wrong = await runCli(['import', 'claude', '--dir', dir, '--threads', '1.5', '--csv', csv], { cwd: root });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--threads must be a whole number from 0 to 64 \(got "1\.5"\)/);
  });
});

describe('token-ledger import codex', () => {
  it('imports generated sessions with the generator\'s own totals, once (CODEX_HOME)', async () => {
    const { root, csv } = workspace();
    const home = join(root, 'codex-home');
    const expected = generateCodexLogs(home, { responses: 250, seed: 9 });
    const first = await runCli(['import', 'codex', '--json', '--csv', csv], { cwd: root, env: { CODEX_HOME: home } });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, added: expected.responses });
    expectTotals(await reportTotals(csv, root), expected);
    // The second run reads only what was appended since: nothing.
    const second = await runCli(['import', 'codex', '--dir', home, '--json', '--csv', csv], { cwd: root });
    expect(JSON.parse(second.stdout)).toMatchObject({ added: 0, lines: 0, duplicates: 0 });
    // Without the import state every rollout is read again, and the id index keeps every turn out.
    rmSync(`${csv}.imports`, { recursive: true });
    const reread = await runCli(['import', 'codex', '--dir', home, '--json', '--csv', csv], { cwd: root });
    expect(JSON.parse(reread.stdout)).toMatchObject({ added: 0, duplicates: expected.responses });
    expectTotals(await reportTotals(csv, root), expected);
  });
});

describe('token-ledger import gemini and opencode', () => {
  it('imports each with the generator\'s own totals from --dir, and a second run adds nothing', async () => {
    const generated = [
      { source: 'gemini', generate: generateGeminiLogs },
      { source: 'opencode', generate: generateOpenCodeLogs },
    ];
    for (const { source, generate } of generated) {
      const { root, csv } = workspace();
      const dir = join(root, source);
      const expected = generate(dir, { responses: 120, seed: 21 });
      const first = await runCli(['import', source, '--dir', dir, '--json', '--csv', csv], { cwd: root });
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ source, files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, added: expected.responses, rejected: 0 });
      expectTotals(await reportTotals(csv, root), expected);
      const second = await runCli(['import', source, '--dir', dir, '--json', '--csv', csv], { cwd: root });
      expect(JSON.parse(second.stdout)).toMatchObject({ added: 0 });
      expectTotals(await reportTotals(csv, root), expected);
    }
  });
});

describe('token-ledger import all', () => {
  it('imports every agent whose usual folder has logs, says which it found, and adds nothing the second time', async () => {
    const { root, csv } = workspace();
    const home = join(root, 'home');
    const codex = generateCodexLogs(join(root, 'codex-home'), { responses: 60, seed: 31 });
    const gemini = generateGeminiLogs(join(home, '.gemini'), { responses: 50, seed: 32 });
    const opencode = generateOpenCodeLogs(join(root, 'xdg', 'opencode'), { responses: 40, seed: 33 });
    const env = { HOME: home, USERPROFILE: home, CLAUDE_CONFIG_DIR: join(root, 'no-claude'), CODEX_HOME: join(root, 'codex-home'), GEMINI_CLI_HOME: home, XDG_DATA_HOME: join(root, 'xdg') };
    const first = await runCli(['import', 'all', '--json', '--csv', csv], { cwd: root, env });
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as { found: string[]; not_found: string[]; sources: { source: string; files: number; added: number }[] };
    expect(summary.found).toEqual(['codex', 'gemini', 'opencode']);
    expect(summary.not_found).toEqual(['Claude Code']);
    expect(summary.sources.map((result) => [result.source, result.files, result.added])).toEqual([
      ['codex', codex.files, codex.responses],
      ['gemini', gemini.files, gemini.responses],
      ['opencode', opencode.files, opencode.responses],
    ]);
    const totals = await reportTotals(csv, root);
    expect(totals.transactions).toBe(codex.responses + gemini.responses + opencode.responses);
    expect(totals.input_tokens).toBe(codex.input_tokens + gemini.input_tokens + opencode.input_tokens);
    expect(totals.output_tokens).toBe(codex.output_tokens + gemini.output_tokens + opencode.output_tokens);

    const text = await runCli(['import', 'all', '--csv', csv], { cwd: root, env });
    expect(text.stdout).toMatch(/^Found logs of Codex CLI \(\d+ files\), Gemini CLI \(\d+ files\), OpenCode \(\d+ files\)\n {2}none for Claude Code\n/);
    expect(text.stdout.match(/added 0 records/g)).toHaveLength(3);
    const withDir = await runCli(['import', 'all', '--dir', root, '--csv', csv], { cwd: root, env });
    expect(withDir.code).toBe(2);
  });
});
