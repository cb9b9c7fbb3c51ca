/**
 * The hand-written references cannot drift from the code: the API reference
 * lists exactly the exports of src/lib/tracker/index.ts, and the
 * configuration reference has a row for every field with its default and
 * its environment override.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tracker from '../../src/lib/tracker/index.ts';
import { DEFAULT_CONFIG, ENV_OVERRIDES } from '../../src/lib/tracker/index.ts';
import { DOCS_DIR } from './docs-sources.ts';
import { PROJECT_ROOT } from './site-build.ts';

/** Names in the `export { … } from` lists of the entry point, types included. */
function exportedNames(source: string): string[] {
  return [...source.matchAll(/export\s*\{([^}]*)\}\s*from/g)].flatMap(([, list]) =>
    (list ?? '')
      .split(',')
      .map((item) => item.trim().replace(/^type\s+/, ''))
      .filter((item) => item !== ''),
  );
}

/** The first cell of each table row, when it is a code span: `name` or `name(args)`. */
function documentedNames(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([A-Za-z_$][\w$]*)[^`]*` \|/gm)].map(([, name]) => name ?? '');
}

/** Table rows of the configuration reference, by field. */
function configRows(markdown: string): Map<string, string> {
  return new Map([...markdown.matchAll(/^\| `([a-z_.]+)` \|(.*)$/gm)].map(([, field, rest]) => [field ?? '', rest ?? '']));
}

describe('API reference', () => {
  const entryPoint = readFileSync(join(PROJECT_ROOT, 'src/lib/tracker/index.ts'), 'utf8');
  const exported = exportedNames(entryPoint);
  const documented = documentedNames(readFileSync(join(DOCS_DIR, 'architecture/api.md'), 'utf8'));

  it('reads the entry point right: every runtime export is among the parsed names', () => {
    for (const name of Object.keys(tracker)) expect(exported).toContain(name);
  });

  it('documents every export of src/lib/tracker/index.ts', () => {
    expect(exported.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents nothing that is not exported, and nothing twice', () => {
    expect(documented.filter((name) => !exported.includes(name))).toEqual([]);
    expect(documented.filter((name, index) => documented.indexOf(name) !== index)).toEqual([]);
  });
});

describe('configuration reference', () => {
  const rows = configRows(readFileSync(join(DOCS_DIR, 'end_user/configuration.md'), 'utf8'));
  const fields = Object.entries(DEFAULT_CONFIG).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).map(([inner, innerValue]) => [`${key}.${inner}`, innerValue] as const)
      : [[key, value] as const],
  );

  it('has a row for every field, with its default as JSON', () => {
    for (const [field, value] of fields) {
      expect(rows.has(field), `no row for ${field}`).toBe(true);
      expect(rows.get(field), field).toContain(`\`${JSON.stringify(value)}\``);
    }
  });

  it('names each environment override in the row of the field it sets', () => {
    for (const [variable, field] of Object.entries(ENV_OVERRIDES)) expect(rows.get(field), field).toContain(variable);
  });

  it('documents no field the configuration does not have', () => {
    const known = new Set(fields.map(([field]) => field));
    expect([...rows.keys()].filter((field) => !known.has(field))).toEqual([]);
  });
});
