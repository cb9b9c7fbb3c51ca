/**
 * Bundles the CLI into one ESM file (build/token-ledger.mjs). A hook runs the
 * CLI on every agent interaction, and one pre-linked file starts in about
 * half the time of resolving and compiling the TypeScript sources each run.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outfile: `${root}build/token-ledger.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: 'linked',
  // Bundled CommonJS dependencies (proper-lockfile) still call require().
  banner: { js: "import { createRequire as __tlCreateRequire } from 'node:module'; const require = __tlCreateRequire(import.meta.url);" },
  // The tokenizer's tables are megabytes; only `hook kiro-stop` loads them, from node_modules at run time.
  external: ['gpt-tokenizer'],
  logLevel: 'warning',
});
