/**
 * Crash safety: SIGKILL at random moments while records are appended and the
 * ledger is rotated, purged, erased, repaired and migrated. After every kill
 * the ledger parses with every row valid and no duplicate, and every record a
 * process acknowledged (printed its transaction id) is in the ledger or the
 * spool; a final flush puts all of them in the ledger exactly once.
 * Also: a lock is never left behind by SIGINT or SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRecords, ledgerFiles, listSpool, lockPathFor, readAllParts, readLedger, V1_COLUMNS } from '../../src/lib/tracker/index.ts';
import { validRecord } from '../helpers/records.ts';
import { CLI, runCli, tempWorkspace } from '../helpers/cli.ts';

const KILLS = Number(process.env.TL_KILLS ?? 200);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

function start(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, TOKEN_LEDGER_CSV: '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const done = new Promise<Outcome>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
  return { child, done };
}

/** Makes a lock left by a killed holder look old, so the real stale-lock takeover runs now instead of after 5 s. */
function ageLeftoverLocks(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (!name.endsWith('.lock')) continue;
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(folder, name), old, old);
  }
}

async function ledgerState(ledger: string, env: NodeJS.ProcessEnv): Promise<{ ids: Map<string, number>; spooled: Set<string> }> {
  const ids = new Map<string, number>();
  for await (const row of readAllParts(ledger)) {
    expect(row.ok, `${row.file}:${row.line} ${JSON.stringify(row)}`).toBe(true);
    if (row.ok) ids.set(row.record.transaction_id, (ids.get(row.record.transaction_id) ?? 0) + 1);
  }
  for (const [id, count] of ids) expect(count, `duplicate ${id}`).toBe(1);
  return { ids, spooled: new Set(listSpool(ledger, env).entries.map((entry) => entry.record.transaction_id)) };
}

const REWRITES: readonly (readonly string[])[] = [
  ['erase', '--session', 'doomed'],
  ['rotate', '--force'],
  ['purge', '--days', '3650'],
  ['repair'],
  ['migrate'],
  ['backup'],
];

describe('crash safety', () => {
  it(`${KILLS} kill -9 during appends and rewrites: the ledger always validates and no acknowledged record is lost`, async () => {
    const root = tempWorkspace('tl-crash-');
    mkdirSync(join(root, '.git'));
    const env = { XDG_CACHE_HOME: join(root, 'cache') };
    const folder = join(root, '.kiro');
    const ledger = join(folder, 'token_transactions.csv');
    await appendRecords(ledger, Array.from({ length: 300 }, (_, index) => validRecord({ transaction_id: `seed-${index}`, timestamp: new Date().toISOString() })), { lockTimeoutMs: 1000 });
    const acknowledged = new Set<string>(Array.from({ length: 300 }, (_, index) => `seed-${index}`));
    let kills = 0;
    let iteration = 0;
    let v1Parts = 0;
    while (kills < KILLS && iteration < KILLS * 5) {
      iteration += 1;
      if (iteration % 25 === 0) {
        // A v1 part gives migrate something real to rewrite; its row is acknowledged once written.
        const part = join(folder, `token_transactions.part-20200101T0000${String(v1Parts).padStart(5, '0')}Z.csv`);
        v1Parts += 1;
        writeFileSync(part, `${V1_COLUMNS.join(',')}\n${new Date().toISOString()},v1 row ${v1Parts},9,1.000,keep,ws,manual,e1,,token-tracker-hook,false,\n`);
        for await (const row of readLedger(part)) if (row.ok) acknowledged.add(row.record.transaction_id);
      }
      const doomed = Math.random() < 0.3;
      const args = Math.random() < 0.6 ? ['record', '--tokens', '7', '--elapsed', '0.2', '--session', doomed ? 'doomed' : 'keep', '--prompt', `p${iteration}, "q"\nline`] : [...(REWRITES[iteration % REWRITES.length] ?? [])];
      const { child, done } = start(args, root, env);
      // Within a record's lifetime (~50 ms) as often as within a rewrite's.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5 + Math.random() * 120);
      const outcome = await done;
      clearTimeout(timer);
      if (outcome.signal === 'SIGKILL') kills += 1;
      const printed = args[0] === 'record' ? outcome.stdout.trim() : '';
      if (printed !== '' && !doomed) acknowledged.add(printed);
      ageLeftoverLocks(folder);
      const { ids, spooled } = await ledgerState(ledger, env);
      for (const id of acknowledged) expect(ids.has(id) || spooled.has(id), `acknowledged ${id} missing after iteration ${iteration}`).toBe(true);
      if (iteration % 20 === 0) expect((await runCli(['validate'], { cwd: root, env })).code).toBe(0);
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect((await runCli(['flush'], { cwd: root, env })).code).toBe(0);
    const { ids, spooled } = await ledgerState(ledger, env);
    expect(spooled.size).toBe(0);
    const missing = [...acknowledged].filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect((await runCli(['validate'], { cwd: root, env })).code).toBe(0);
    console.log(`crash loop: ${iteration} runs, ${kills} kill -9, ${acknowledged.size} acknowledged records, ${missing.length} lost, ${ledgerFiles(ledger).length} ledger files`);
  }, 600_000);

  it.each(['SIGINT', 'SIGTERM'] as const)('%s during a rewrite leaves no lock and an intact ledger', async (signal) => {
    const root = tempWorkspace('tl-signal-');
    mkdirSync(join(root, '.git'));
    const ledger = join(root, '.kiro', 'token_transactions.csv');
    const records = Array.from({ length: 30_000 }, (_, index) => validRecord({ transaction_id: `r-${index}`, timestamp: new Date().toISOString() }));
    await appendRecords(ledger, records, { lockTimeoutMs: 1000 });
    const { child, done } = start(['erase', '--match', 'no-such-text'], root, {});
    while (!existsSync(lockPathFor(ledger))) await new Promise((resolve) => setTimeout(resolve, 2));
    child.kill(signal);
    const outcome = await done;
    expect(outcome.code === 0 && outcome.signal === null).toBe(false);
    expect(existsSync(lockPathFor(ledger))).toBe(false);
    expect((await runCli(['validate'], { cwd: root })).code).toBe(0);
  });
});
