#!/usr/bin/env node
// Entry point of the `token-ledger` bin and `pnpm track`. CommonJS: hooks run
// `record` or `hook` on every agent interaction, and their one-file CommonJS
// bundles then start without Node's ES module loader. The compile cache lets
// repeated calls skip parsing the bundles.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { enableCompileCache } = require('node:module');
const { join } = require('node:path');

// Node 22.1+ keeps a compile cache; Node 20 has none and compiles every run.
enableCompileCache?.();
const argv = process.argv.slice(2);
// `pnpm -C <checkout> track …` runs in the checkout; work in the folder it was typed in, as the user means.
if (process.env.npm_lifecycle_event === 'track' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const BUILD_ROOT = join(__dirname, '..', 'build');

function notBuilt(error) {
  // Only our own bundle missing means "not built"; a dependency missing from inside it is a real error.
  const missing = error?.code === 'ENOENT' || error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND';
  if (!missing || !String(error.message).includes(BUILD_ROOT)) throw error;
  process.stderr.write('token-ledger: the CLI is not built; run `pnpm install` (or `pnpm build:cli`) in the token-ledger checkout\n');
  // A hook must not block its agent over a missing build (exit 2 is a blocking error to Claude Code).
  process.exit(argv[0] === 'hook' && !argv.includes('--strict') ? 0 : 2);
}

function load() {
  // build/cli-current names the build folder; a rebuild swaps it in one rename (scripts/build-cli.ts).
  const build = join(BUILD_ROOT, readFileSync(join(BUILD_ROOT, 'cli-current'), 'utf8').trim());
  // The commands hooks call have a bundle of their own (HOOK_PATH_COMMANDS in scripts/build-cli.ts).
  const own = /^[a-z]+$/.test(argv[0] ?? '') && join(build, `${argv[0]}.cjs`);
  if (!own || !existsSync(own)) return import(require('node:url').pathToFileURL(join(build, 'main.mjs')).href);
  return Promise.resolve(own).then(require);
}

new Promise((resolve) => resolve(load())).then(({ main }) => main(argv), notBuilt).then((code) => {
  process.exitCode = code;
});
