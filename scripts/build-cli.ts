/**
 * Bundles the CLI into a fresh build/cli-<id>/ folder: main.mjs (ESM, every
 * command, shared chunks loaded per command), and record.cjs, hook.cjs and
 * import.cjs (CommonJS, one file each, that command alone); then points
 * build/cli-current at it with one rename. A hook that fires during a rebuild
 * or `pnpm install` runs either the old build or the new one, never half of
 * one, and the folder a running command loads its chunks from stays in place. A hook runs the CLI on every agent
 * interaction: pre-linked JavaScript starts in about half the time of
 * compiling the TypeScript sources each run, and the commands hooks call
 * skip the ES module loader and every other command's code.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILTIN = new RegExp(`^(node:.+|${builtinModules.map((name) => name.replace(/[/]/g, '\\/')).join('|')})$`);

/** CommonJS source exporting each property of a builtin as a getter that requires it on first use. */
function builtinStandIn(specifier: string): string {
  const names = Object.getOwnPropertyNames(process.getBuiltinModule(specifier)).filter((name) => name !== '__esModule');
  const getters = names.map((name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => load()[${JSON.stringify(name)}] });`);
  return [`let builtin;`, `const load = () => (builtin ??= require(${JSON.stringify(specifier)}));`, ...getters].join('\n');
}

const buildRoot = `${root}build`;
const POINTER = 'cli-current';
const buildName = `cli-${Date.now().toString(36)}-${process.pid}`;
const outDir = `${buildRoot}/${buildName}`;
/** A replaced build stays this long, for commands that started from it and still load chunks. */
const KEEP_REPLACED_MS = 2 * 60_000;

/**
 * How the bundles reach Node's builtins. ESM (main.mjs): `import { x } from
 * 'node:fs'` makes Node build an ES module facade of the builtin, and
 * esbuild's CommonJS interop copies every property descriptor: both run the
 * builtins' lazy getters (fs.promises, util.TextDecoder, ...), which load
 * node:stream, readline and more, ~10 ms of every command. A stand-in with
 * one getter per export requires the builtin when a property is first used,
 * and reads only it. CommonJS (the hook bundles): a plain require() of the
 * builtin, which builds no facade; a stand-in there would be copied, getter by
 * getter, into every module that imports it (a dozen import node:fs): ~1,500
 * property definitions and closures, 12 M of `record`'s 146 M instructions.
 */
function builtinsPlugin(format: 'esm' | 'cjs'): Plugin {
  return {
    name: 'builtins',
    setup(builder) {
      // signal-exit (under proper-lockfile) loads node:assert for one
      // argument check; node:assert builds a coloured stderr stream as it
      // loads, which pulls in all of node:stream: ~5 ms of every hook call.
      builder.onResolve({ filter: /^assert$/ }, (args) => (/[\\/]signal-exit[\\/]/.test(args.importer) ? { path: 'assert-equal', namespace: 'signal-exit-assert' } : undefined));
      builder.onLoad({ filter: /.*/, namespace: 'signal-exit-assert' }, () => ({
        contents: 'exports.equal = (actual, expected, message) => { if (actual != expected) throw new Error(message); };',
        loader: 'js',
      }));
      const builtin = (path: string) => (path.startsWith('node:') ? path : `node:${path}`);
      builder.onResolve({ filter: BUILTIN }, (args) =>
        // The stand-in's own require() is the real one, and a dynamic import() stays one:
        // it has to yield named exports, which a CommonJS stand-in cannot declare.
        format === 'cjs' || args.namespace === 'builtin' || args.kind === 'dynamic-import'
          ? { path: args.path, external: true }
          : { path: builtin(args.path), namespace: 'builtin' },
      );
      // proper-lockfile wraps fs in graceful-fs, whose patching and legacy
      // streams cost `record` ~4 ms per call. graceful-fs only queues opens
      // past the EMFILE limit, and one CLI run holds a handful of files.
      builder.onResolve({ filter: /^graceful-fs$/ }, () => (format === 'cjs' ? { path: 'node:fs', external: true } : { path: 'node:fs', namespace: 'builtin' }));
      builder.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: builtinStandIn(args.path), loader: 'js' }));
    },
  };
}

/**
 * A bundled JSON file (the price table) as JSON.parse of its text: esbuild
 * would emit it as an object literal, and V8 builds a boilerplate for each of
 * its 142 nested literals on first run, 4 M instructions of every `record`;
 * parsing the same text costs a tenth of that.
 */
const jsonAsParse: Plugin = {
  name: 'json-as-parse',
  setup(builder) {
    builder.onLoad({ filter: /\.json$/ }, (args) => ({
      contents: `export default JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8'))))});`,
      loader: 'js',
    }));
  },
};

const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: 'linked',
  // The tokenizer's tables are megabytes; only `hook kiro-stop` loads them, from node_modules at run time.
  external: ['gpt-tokenizer'],
  logLevel: 'warning',
};

await build({
  ...shared,
  // The import's worker threads have an entry of their own at the build's root, sharing chunks with the commands.
  entryPoints: {
    main: `${root}src/cli/main.ts`,
    'claude-read-worker': `${root}src/lib/tracker/importers/claude/read-worker.ts`,
  },
  outdir: outDir,
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  plugins: [builtinsPlugin('esm'), jsonAsParse],
  // Bundled CommonJS dependencies (proper-lockfile) and the builtin stand-ins call require().
  banner: { js: "import { createRequire as __tlCreateRequire } from 'node:module'; const require = __tlCreateRequire(import.meta.url);" },
});

// The commands hooks run on every agent interaction, `import` (a re-import with nothing
// new is mostly start-up: ~30 ms of CPU less than main.mjs) and `report` (whose start-up
// a cold read's worker threads wait for), each bundled alone into <build>/<command>.cjs;
// bin/token-ledger.cjs runs a command from its own bundle when it has one.
const OWN_BUNDLE_COMMANDS = ['record', 'hook', 'import', 'report'];

/** One CommonJS file of everything an entry needs, at `<build>/<name>.cjs`. */
async function buildOwnBundle(name: string, entry: NonNullable<BuildOptions['stdin']> | string): Promise<void> {
  await build({
    ...shared,
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: entry }),
    outfile: `${outDir}/${name}.cjs`,
    format: 'cjs',
    plugins: [builtinsPlugin('cjs'), jsonAsParse],
    // bin/token-ledger.cjs runs these bundles as vm scripts with a code cache, where Node 20 has no
    // loader for import(): esbuild turns each one into a require(), which Node 20 and 22 resolve alike.
    supported: { 'dynamic-import': false },
    // Bundled ES modules (fdir, under tinyglobby) call createRequire(import.meta.url) as they load.
    define: { 'import.meta.url': '__tlModuleUrl' },
    banner: { js: "const __tlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

for (const command of OWN_BUNDLE_COMMANDS) {
  await buildOwnBundle(command, {
    contents: `import { runCli } from './src/cli/run.ts';
export const main = (argv) => runCli(argv, { ${command}: () => import('./src/cli/commands/${command}.ts').then((module) => module.default) });`,
    resolveDir: root,
    sourcefile: `${command}-entry.ts`,
    loader: 'ts',
  });
}
// report's worker threads load this file beside report.cjs (ledger-scan.ts): one CommonJS file boots ~10 ms
// sooner than an ES entry and its chunks, time in which the thread reading alone is the only one reading.
await buildOwnBundle('scan-worker', `${root}src/lib/tracker/report/scan-worker.ts`);

function currentBuild(): string | undefined {
  try {
    return readFileSync(`${buildRoot}/${POINTER}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const replaced = currentBuild();
const pointerTemp = `${buildRoot}/${POINTER}.tmp-${process.pid}`;
writeFileSync(pointerTemp, `${buildName}\n`);
renameSync(pointerTemp, `${buildRoot}/${POINTER}`);
// The replaced build's clock starts now: commands that read the pointer a moment ago still load from it.
if (replaced !== undefined && replaced !== buildName) {
  const now = new Date();
  try {
    utimesSync(`${buildRoot}/${replaced}`, now, now);
  } catch {
    // Already gone (another build removed it); nothing runs from it.
  }
}

// A build folder goes once it has not been current (or being written) for a while.
const installed = currentBuild();
for (const name of readdirSync(buildRoot)) {
  if (!/^cli-[a-z0-9]+-\d+$/.test(name) || name === installed) continue;
  if (Date.now() - statSync(`${buildRoot}/${name}`).mtimeMs < KEEP_REPLACED_MS) continue;
  rmSync(`${buildRoot}/${name}`, { recursive: true, force: true });
}
// The folder of earlier versions, before builds were swapped in by pointer.
rmSync(`${buildRoot}/cli`, { recursive: true, force: true });
