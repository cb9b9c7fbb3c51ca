import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/token-ledger.cjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a hook would: a separate process, optional stdin, no TTY. */
export function runCli(args: readonly string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], { ...options, env: { NO_COLOR: '1', TOKEN_LEDGER_CSV: '', ...options.env } });
}

/** Runs a command to its end and collects what it printed; `noStdin` gives it none at all, as Kiro does. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; noStdin?: boolean } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.noStdin ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(options.input ?? '');
  });
}

/** A fresh workspace folder (with .git so it is its own workspace root). */
export function tempWorkspace(prefix = 'tl-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return dir;
}

/** A Node older than 22 on this machine (the kind starts with Node 20 at /usr/bin/node). */
export function olderNode(): string {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'];
  const found = candidates.find((path) => existsSync(path) && Number(execFileSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim()) < 22);
  if (!found) throw new Error(`no Node older than 22 in ${candidates.join(', ')}; this machine kind starts with Node 20 at /usr/bin/node`);
  return found;
}
