/**
 * Bundles the CLI into build/cli/ (ESM, one entry and shared chunks). A hook
 * runs the CLI on every agent interaction: pre-linked JavaScript starts in
 * about half the time of compiling the TypeScript sources each run, and code
 * splitting keeps what `record` loads apart from the importers and tokenizer.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// Chunk names carry content hashes; clear old ones so the folder holds exactly one build.
rmSync(`${root}build/cli`, { recursive: true, force: true });

await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outdir: `${root}build/cli`,
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
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
  plugins: [
    {
      // proper-lockfile wraps fs in graceful-fs, whose patching and legacy
      // streams cost `record` ~4 ms per call. graceful-fs only queues opens
      // past the EMFILE limit, and one CLI run holds a handful of files.
      name: 'graceful-fs-as-node-fs',
      setup(builder) {
        builder.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'node:fs', external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
