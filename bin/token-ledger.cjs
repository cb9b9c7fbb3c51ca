#!/usr/bin/env node
// Entry point of the `token-ledger` bin and `pnpm track`. CommonJS: hooks run
// `record` or `hook` on every agent interaction, and their one-file CommonJS
// bundles then start without Node's ES module loader. The compile cache lets
// repeated calls skip parsing the bundles.
'use strict';
const { existsSync } = require('node:fs');
const { enableCompileCache } = require('node:module');
const { join } = require('node:path');

enableCompileCache?.();
const argv = process.argv.slice(2);

function notBuilt(error) {
  // Only our own bundle missing means "not built"; a dependency missing from inside it is a real error.
  const missing = error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND';
  if (!missing || !/build[\\/]cli[\\/]/.test(String(error.message))) throw error;
  process.stderr.write('token-ledger: the CLI is not built; run `pnpm install` (or `pnpm build:cli`) in the token-ledger checkout\n');
  process.exit(2);
}

function load() {
  // The commands hooks call have a bundle of their own (HOOK_PATH_COMMANDS in scripts/build-cli.ts).
  const own = /^[a-z]+$/.test(argv[0] ?? '') && join(__dirname, '..', 'build', 'cli', `${argv[0]}.cjs`);
  if (!own || !existsSync(own)) return import('../build/cli/main.mjs');
  // Compile the bundle whole, not function by function as each is first
  // called: the compile cache then holds every function the command runs,
  // and later calls compile none of them (~4 ms of ~47 for `record`).
  require('node:v8').setFlagsFromString('--no-lazy');
  return Promise.resolve(own).then(require);
}

load().then(({ main }) => main(argv), notBuilt).then((code) => {
  process.exitCode = code;
});
