/**
 * token-ledger: the command-line face of src/lib/tracker, every command.
 */
import { runCli, type Command, type CommandLoaders } from './run.ts';

/**
 * Each command loads on demand: a hook runs `record` on every interaction,
 * and must not pay for parsing the importers or the tokenizer.
 */
export const commands: CommandLoaders = {
  record: () => import('./commands/record.ts').then((module) => module.default as Command),
  validate: () => import('./commands/validate.ts').then((module) => module.default as Command),
  report: () => import('./commands/report.ts').then((module) => module.default as Command),
  import: () => import('./commands/import.ts').then((module) => module.default as Command),
  hook: () => import('./commands/hook.ts').then((module) => module.default as Command),
  flush: () => import('./commands/flush.ts').then((module) => module.default as Command),
  backup: () => import('./commands/backup.ts').then((module) => module.default as Command),
  rotate: () => import('./commands/rotate.ts').then((module) => module.default as Command),
  purge: () => import('./commands/purge.ts').then((module) => module.default as Command),
  erase: () => import('./commands/erase.ts').then((module) => module.default as Command),
  export: () => import('./commands/export.ts').then((module) => module.default as Command),
  repair: () => import('./commands/repair.ts').then((module) => module.default as Command),
  migrate: () => import('./commands/migrate.ts').then((module) => module.default as Command),
  reprice: () => import('./commands/reprice.ts').then((module) => module.default as Command),
  doctor: () => import('./commands/doctor.ts').then((module) => module.default as Command),
  init: () => import('./commands/init.ts').then((module) => module.default as Command),
};

export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, commands);
}
