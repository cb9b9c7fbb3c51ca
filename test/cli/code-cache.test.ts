/**
 * The hook commands' bundles run with a V8 code cache the bin writes beside
 * them after a run. A missing, foreign or unusable cache must never change
 * what a command does: it is only ever a start-up optimisation.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { olderNode, runProcess } from '../helpers/cli.ts';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));

/** A copy of the bin and the current build, so each test owns its build folder and cache. */
function installCopy(): { bin: string; build: string } {
  const root = mkdtempSync(join(tmpdir(), 'tl-code-cache-'));
  const current = readFileSync(join(CHECKOUT, 'build', 'cli-current'), 'utf8').trim();
  cpSync(join(CHECKOUT, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(join(CHECKOUT, 'build', current), join(root, 'build', current), {
    recursive: true,
    filter: (source) => !source.endsWith('.v8cache'),
  });
  writeFileSync(join(root, 'build', 'cli-current'), `${current}\n`);
  return { bin: join(root, 'bin', 'token-ledger.cjs'), build: join(root, 'build', current) };
}

const NODE_20 = olderNode();
const versionOf = (node: string) => execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
const cacheName = (node: string) => `record.cjs.${versionOf(node)}-${process.arch}.v8cache`;

function record(bin: string, ledger: string, prompt: string, node = process.execPath) {
  return runProcess(node, [bin, 'record', '--csv', ledger, '--prompt', prompt, '--tokens', '7', '--elapsed', '0.5', '--session', 'cache'], {
    env: { TOKEN_LEDGER_CSV: '' },
  });
}

const prompts = (ledger: string) => (parse(readFileSync(ledger), { columns: true }) as { prompt_text: string }[]).map((row) => row.prompt_text);

describe('the hook bundles code cache', () => {
  let workspace: string;
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tl-code-cache-ws-'));
  });

  it.each([
    ['Node 22', process.execPath],
    ['Node 20', NODE_20],
  ])('is written after the first run, then used; the rows are the same either way (%s)', async (_, node) => {
    const { bin, build } = installCopy();
    const ledger = join(workspace, `first-${versionOf(node)}.csv`);
    const cache = join(build, cacheName(node));
    expect(existsSync(cache)).toBe(false);
    expect(await record(bin, ledger, 'one', node)).toMatchObject({ code: 0, stderr: '' });
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);
    expect(await record(bin, ledger, 'two', node)).toMatchObject({ code: 0, stderr: '' });
    // A cache V8 accepted is not written again.
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);
    expect(prompts(ledger)).toEqual(['one', 'two']);
  });

  it('is replaced when V8 rejects it (another build, Node or garbage), and the command still runs', async () => {
    const { bin, build } = installCopy();
    const ledger = join(workspace, 'rejected.csv');
    writeFileSync(join(build, cacheName(process.execPath)), Buffer.alloc(4096, 7));
    const result = await record(bin, ledger, 'after garbage');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(build, cacheName(process.execPath))).equals(Buffer.alloc(4096, 7))).toBe(false);
    expect(statSync(join(build, cacheName(process.execPath))).size).toBeGreaterThan(10_000);
    expect(prompts(ledger)).toEqual(['after garbage']);
  });

  it('that cannot be read or written leaves the command as it is, and no temporary file behind', async () => {
    const { bin, build } = installCopy();
    const ledger = join(workspace, 'unwritable.csv');
    mkdirSync(join(build, cacheName(process.execPath)));
    const result = await record(bin, ledger, 'no cache');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(prompts(ledger)).toEqual(['no cache']);
    expect(readdirSync(build).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
