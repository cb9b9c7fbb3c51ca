/**
 * The CLI with `record` alone. Hooks run `record` on every agent
 * interaction; scripts/build-cli.ts bundles this into one CommonJS file,
 * which bin/token-ledger.cjs loads without Node's ES module loader or the
 * other commands.
 */
import { runCli, type Command } from './run.ts';

export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, { record: () => import('./commands/record.ts').then((module) => module.default as Command) });
}
