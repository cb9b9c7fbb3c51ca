#!/usr/bin/env node
// Entry point of the `token-ledger` bin and `pnpm track`. CommonJS: hooks run
// `record` on every agent interaction, and its one-file CommonJS bundle then
// starts without Node's ES module loader. The compile cache lets repeated
// calls skip parsing the bundle.
'use strict';
const { enableCompileCache } = require('node:module');

enableCompileCache?.();
const argv = process.argv.slice(2);

function notBuilt(error) {
  if (error?.code !== 'MODULE_NOT_FOUND' && error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('token-ledger: the CLI is not built; run `pnpm install` (or `pnpm build:cli`) in the token-ledger checkout\n');
  process.exit(2);
}

function load() {
  if (argv[0] !== 'record') return import('../build/cli/main.mjs');
  try {
    // Compile the bundle whole, not function by function as each is first
    // called: the compile cache then holds every function `record` runs, and
    // later calls compile none of them (~4 ms of ~47).
    require('node:v8').setFlagsFromString('--no-lazy');
    return Promise.resolve(require('../build/cli/record.cjs'));
  } catch (error) {
    return Promise.reject(error);
  }
}

load().then(({ main }) => main(argv), notBuilt).then((code) => {
  process.exitCode = code;
});
