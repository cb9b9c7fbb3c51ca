/**
 * Site builds shared by the site tests: each ledger is built once per test
 * run, into a folder named by the run (test/global-setup.ts), however many
 * test files ask for it. Builds run one at a time, because concurrent astro
 * builds of one project share its .astro/ and cache folders.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLE_LEDGER = join(PROJECT_ROOT, 'src/data/sample-ledger.csv');
const ASTRO = join(PROJECT_ROOT, 'node_modules/astro/bin/astro.mjs');

/** Set by test/global-setup.ts; a test file run on its own gets a folder of its own. */
export const SITE_BUILDS_ENV = 'TOKEN_LEDGER_SITE_BUILDS';

/** The run's folder of builds (and of the test ledgers). */
export function buildsRoot(): string {
  process.env[SITE_BUILDS_ENV] ||= mkdtempSync(join(tmpdir(), 'tl-site-builds-'));
  return process.env[SITE_BUILDS_ENV];
}

const COMPLETE_MARK = '.build-complete';
const WAIT_STEP_MS = 200;
const BUILD_TIMEOUT_MS = 170_000;

export interface SiteBuild {
  outDir: string;
  /** Build time in ms, or 0 when another test file built it. */
  elapsedMs: number;
}

function runAstroBuild(ledgerPath: string, outDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ASTRO, 'build', '--outDir', outDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TOKEN_LEDGER_CSV: ledgerPath, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`astro build of ${ledgerPath} exited ${code}:\n${output.slice(-4000)}`))));
  });
}

async function withBuildLock<T>(action: () => Promise<T>): Promise<T> {
  const lock = join(buildsRoot(), 'build.lock');
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`waited ${BUILD_TIMEOUT_MS} ms for ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The site built from `ledgerPath` (with `env` set for the build), under `name`; built on first request in this run. */
export async function buildSite(name: string, ledgerPath: string, env: NodeJS.ProcessEnv = {}): Promise<SiteBuild> {
  const outDir = join(buildsRoot(), name);
  const mark = join(outDir, COMPLETE_MARK);
  if (existsSync(mark)) return { outDir, elapsedMs: 0 };
  return withBuildLock(async () => {
    if (existsSync(mark)) return { outDir, elapsedMs: 0 };
    const started = Date.now();
    await runAstroBuild(ledgerPath, outDir, env);
    writeFileSync(mark, '');
    return { outDir, elapsedMs: Date.now() - started };
  });
}
