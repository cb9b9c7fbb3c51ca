#!/usr/bin/env node
// Entry point of the `token-ledger` bin and `pnpm track`. CommonJS: hooks run
// `record` or `hook` on every agent interaction, and their one-file CommonJS
// bundles (and `import`'s) then start without Node's ES module loader.
'use strict';
const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { basename, dirname, join } = require('node:path');
const vm = require('node:vm');

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

/**
 * Runs a command's own CommonJS bundle with a V8 code cache made after a
 * run, so it holds every function the command compiled, not only the top
 * level Node's compile cache keeps, and works on Node 20 too: a hook call
 * then skips parsing and compiling. The cache sits beside the bundle (a build
 * folder never changes once swapped in), one per Node version; V8 rejects a
 * cache of another V8 or other flags, and it is then written anew.
 */
function runWithCodeCache(file) {
  const cacheFile = join(dirname(file), `${basename(file)}.${process.version}-${process.arch}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet: this run writes it.
  }
  // The bundle has no import() (scripts/build-cli.ts), so the script needs no module loader of its own.
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const bundle = { exports: {} };
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, dirname(file));
  const saveCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    const temp = `${cacheFile}.tmp-${process.pid}`;
    try {
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cacheFile);
    } catch {
      // A read-only install runs without the cache, as fast as without this loader.
      rmSync(temp, { force: true });
    }
  };
  return { main: (args) => bundle.exports.main(args).finally(saveCache).then(exitNow) };
}

/**
 * Ends a bundle's command as soon as it is done, when nothing is left to
 * write: exiting skips tearing down the heap the bundle built, about 3.7 M
 * of the 38 M instructions a `record` call adds to a bare Node start. Linux
 * writes stdio to files and terminals synchronously, but to a pipe only what
 * fits in it (64 KiB): the rest is queued, and `report --json` can print
 * megabytes. Then, and elsewhere (pipes on macOS are asynchronous), the
 * process ends as usual once its output is written.
 */
function exitNow(code) {
  if (process.platform === 'linux' && !usedStdio.some((name) => process[name].writableLength > 0)) process.exit(code);
  return code;
}

/**
 * The stdio streams the command has used. Node makes process.stdout and
 * process.stderr on first use (~6 M instructions each), which a `record` that
 * prints nothing never pays; asking an unused one whether it has bytes queued
 * would make it.
 */
const usedStdio = [];
for (const name of ['stdout', 'stderr']) {
  const { get, enumerable } = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable,
    get() {
      if (!usedStdio.includes(name)) usedStdio.push(name);
      return get.call(process);
    },
  });
}

function load() {
  // build/cli-current names the build folder; a rebuild swaps it in one rename (scripts/build-cli.ts).
  const build = join(BUILD_ROOT, readFileSync(join(BUILD_ROOT, 'cli-current'), 'utf8').trim());
  // The commands hooks call, and `import`, have a bundle of their own (OWN_BUNDLE_COMMANDS in scripts/build-cli.ts).
  const own = /^[a-z]+$/.test(argv[0] ?? '') && join(build, `${argv[0]}.cjs`);
  if (!own || !existsSync(own)) {
    // Node 22.1+ keeps a compile cache for main.mjs and its chunks; Node 20 has none.
    Module.enableCompileCache?.();
    return import(require('node:url').pathToFileURL(join(build, 'main.mjs')).href);
  }
  return runWithCodeCache(own);
}

new Promise((resolve) => resolve(load())).then(({ main }) => main(argv), notBuilt).then((code) => {
  process.exitCode = code;
});
