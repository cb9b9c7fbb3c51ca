import { parseArgs as cittyParseArgs, type ArgsDef } from 'citty';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/run.ts';

const ARGS_DEF = {
  agent: { type: 'positional', required: true, description: 'positional' },
  extra: { type: 'positional', required: false, description: 'optional positional' },
  csv: { type: 'string', description: 'a string flag' },
  'hook-name': { type: 'string', description: 'a kebab-case string flag' },
  strict: { type: 'boolean', description: 'a boolean flag' },
  'catch-up': { type: 'boolean', description: 'a kebab-case boolean flag' },
} as const satisfies ArgsDef;

const NAMES = ['csv', 'hook-name', 'strict', 'catch-up'] as const;

/** Command lines made of the declared flags in every form, values (negative numbers included), positionals and `--`. */
const commandLine = fc.array(
  fc.oneof(
    fc.constantFrom(...NAMES).map((name) => `--${name}`),
    fc.constantFrom(...NAMES).map((name) => `--no-${name}`),
    fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('false', 'true', '', 'x', 'a=b')).map(([name, value]) => `--${name}=${value}`),
    fc.constantFrom('claude', 'kiro', 'value with spaces', '-5', '--', ''),
  ),
  { maxLength: 8 },
);

function outcome(parse: () => Record<string, unknown>): unknown {
  try {
    const parsed = parse();
    return { ...Object.fromEntries([...Object.keys(ARGS_DEF)].map((name) => [name, parsed[name]])), _: parsed._ };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('parseCommandArgs', () => {
  it('reads every command line exactly as citty parses it', () => {
    fc.assert(
      fc.property(commandLine, (rawArgs) => {
        expect(outcome(() => parseCommandArgs(rawArgs, ARGS_DEF))).toEqual(outcome(() => cittyParseArgs(rawArgs, ARGS_DEF)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a missing required positional with citty\'s message', () => {
    expect(() => parseCommandArgs(['--strict'], ARGS_DEF)).toThrow('Missing required positional argument: AGENT');
  });
});
