/**
 * Runs one command line against a set of commands: parses it by the
 * commands' citty definitions and maps outcomes to exit codes: 0 ok, 1 invalid input or failed check
 * (nothing written), 2 usage error. main.ts passes every command;
 * scripts/build-cli.ts passes one, for a hook command's own bundle.
 */
import { parseArgs } from 'node:util';
import type { ArgsDef, CommandContext, CommandDef, ParsedArgs } from 'citty';
import { describeError, EXIT, oneLine, UsageError } from './_shared.ts';

export const VERSION = '0.1.0';

// Commands resolve their exit code from run(); citty's own types say unknown.
export type Command = CommandDef<ArgsDef>;
export type CommandLoaders = Record<string, () => Promise<Command>>;

function isHelpFlag(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/** Flags citty would silently ignore; a typo like --tokns must not record a row without tokens. */
function unknownFlags(rawArgs: readonly string[], args: ArgsDef): string[] {
  const known = new Set(Object.keys(args));
  return rawArgs
    .filter((arg) => arg.startsWith('-') && arg !== '-' && arg !== '--')
    .map((arg) => arg.replace(/^--?/, '').split('=')[0] ?? '')
    .filter((name) => !known.has(name) && !known.has(name.replace(/^no-/, '')));
}

/**
 * util.parseArgs (under citty) reads `--tokens -5` as two flags; bind a
 * negative number to the option before it so validation can reject the value.
 */
function bindNegativeValues(rawArgs: readonly string[], args: ArgsDef): string[] {
  const bound: string[] = [];
  for (let index = 0; index < rawArgs.length; index += 1) {
    const arg = rawArgs[index] ?? '';
    const next = rawArgs[index + 1];
    const option = args[arg.replace(/^--/, '')];
    if (arg.startsWith('--') && option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      bound.push(`${arg}=${next}`);
      index += 1;
    } else {
      bound.push(arg);
    }
  }
  return bound;
}

async function usageOf(command: Command, parent?: Command): Promise<string> {
  const { renderUsage } = await import('citty');
  return renderUsage(command, parent);
}

/**
 * The flags and positionals a command's run() reads, as citty would parse
 * them (`--no-x` is false, a string flag with no value is '', `--x=false`
 * on a boolean is false, positionals fill the declared ones in order), by
 * util.parseArgs straight from the declarations. citty's own parse converts
 * every flag name through camelCase and kebab-case first: ~1 ms of a hook
 * call, which starts a process for one row. Unknown flags were refused before.
 */
export function parseCommandArgs(rawArgs: readonly string[], argsDef: ArgsDef): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, def] of Object.entries(argsDef)) {
    if (def.type === 'string' || def.type === 'boolean') options[name] = { type: def.type };
  }
  const negated: string[] = [];
  const args: string[] = [];
  for (const [index, arg] of rawArgs.entries()) {
    if (arg === '--') {
      args.push(...rawArgs.slice(index));
      break;
    }
    if (arg.startsWith('--no-')) negated.push(arg.slice('--no-'.length));
    else args.push(arg);
  }
  const { values, positionals } = parseArgs({ args, options, strict: false, allowPositionals: true });
  const parsed: Record<string, unknown> = { _: positionals };
  for (const [name, value] of Object.entries(values)) {
    const type = options[name]?.type;
    parsed[name] = type === 'boolean' && typeof value === 'string' ? value !== 'false' : type === 'string' && typeof value === 'boolean' ? '' : value;
  }
  for (const name of negated) parsed[name] = false;
  const unfilled = [...positionals];
  for (const [name, def] of Object.entries(argsDef)) {
    if (def.type === 'positional') {
      const value = unfilled.shift() ?? def.default;
      if (value === undefined && def.required !== false) throw new UsageError(`Missing required positional argument: ${name.toUpperCase()}`);
      parsed[name] = value;
    } else if (parsed[name] === undefined && def.default !== undefined) {
      parsed[name] = def.default;
    }
  }
  return parsed as ParsedArgs;
}

/**
 * A hook's call (`hook …`, or `record --from-hook`) must never block its
 * agent: exit 2 from a Claude Code hook is a blocking error, and anything
 * non-zero shows up in the IDE. So every failure, a usage mistake included,
 * becomes one line on stderr and exit 0, unless --strict asks for the codes.
 */
function isHookCall(name: string | undefined, rest: readonly string[]): boolean {
  return (name === 'hook' || rest.includes('--from-hook')) && !rest.includes('--strict');
}

/** An unexpected error's stack would make the one line unreadable. */
const MAX_HOOK_LINE = 600;

export async function runCli(argv: readonly string[], commands: CommandLoaders): Promise<number> {
  const [name, ...rest] = argv;
  if (!isHookCall(name, rest)) return runCommandLine(argv, commands, (text) => process.stderr.write(text));
  let said = '';
  const code = await runCommandLine(argv, commands, (text) => {
    said += text;
  });
  const line = oneLine(said);
  if (line !== '') process.stderr.write(`${line.length > MAX_HOOK_LINE ? `${line.slice(0, MAX_HOOK_LINE)}…` : line}\n`);
  if (code !== EXIT.ok && line === '') process.stderr.write(`token-ledger: ${name} failed (exit ${code}); exiting 0 so the agent is not blocked\n`);
  return EXIT.ok;
}

async function runCommandLine(argv: readonly string[], commands: CommandLoaders, writeError: (text: string) => void): Promise<number> {
  const program: Command = {
    meta: { name: 'token-ledger', version: VERSION, description: 'Record and report what your AI coding agents spend, in a CSV ledger' },
    subCommands: commands,
  };
  const [name, ...rest] = argv;
  try {
    if (name === undefined || isHelpFlag(name)) {
      process.stdout.write(`${await usageOf(program)}\n`);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const load = commands[name];
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${Object.keys(commands).join(', ')}`);
    const command = await load();
    if (rest.some(isHelpFlag)) {
      process.stdout.write(`${await usageOf(command, program)}\n`);
      return EXIT.ok;
    }
    const argsDef = (command.args ?? {}) as ArgsDef;
    const rawArgs = bindNegativeValues(rest, argsDef);
    const unknown = unknownFlags(rawArgs, argsDef);
    if (unknown.length > 0) {
      throw new UsageError(`${name}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((flag) => `--${flag}`).join(', ')}; see \`token-ledger ${name} --help\``);
    }
    const context: CommandContext<ArgsDef> = { rawArgs, args: parseCommandArgs(rawArgs, argsDef), cmd: command };
    const result: unknown = await command.run?.(context);
    return typeof result === 'number' ? result : EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      writeError(`token-ledger: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    writeError(`${describeError(error)}\n`);
    return EXIT.invalid;
  }
}
