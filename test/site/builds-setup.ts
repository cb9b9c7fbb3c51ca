// vitest global setup: one folder per test run for the site builds, so the
// site test files share each build (see site-build.ts); removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SITE_BUILDS_ENV } from './site-build.ts';

export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'tl-site-builds-'));
  process.env[SITE_BUILDS_ENV] = folder;
  return () => rmSync(folder, { recursive: true, force: true });
}
