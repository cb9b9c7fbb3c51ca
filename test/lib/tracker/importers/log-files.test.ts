import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFilesUnder } from '../../../../src/lib/tracker/importers/log-files.ts';

const isJsonl = (name: string) => name.endsWith('.jsonl');

function tree(files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-log-files-'));
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '{}\n');
  }
  return root;
}

describe('log files under a folder', () => {
  it('are every matching file at any depth, sorted, as absolute paths; dot-folders only when asked', () => {
    const root = tree(['p/b.jsonl', 'p/a.jsonl', 'p/s/subagents/agent-1.jsonl', 'top.jsonl', 'p/notes.txt', '.hidden/h.jsonl', 'p/.dot.jsonl']);
    mkdirSync(join(root, 'p', 'folder.jsonl'));
    const withDots = logFilesUnder(root, { isLog: isJsonl, dot: true });
    expect(withDots.map((file) => relative(root, file))).toEqual(['.hidden/h.jsonl', 'p/.dot.jsonl', 'p/a.jsonl', 'p/b.jsonl', 'p/s/subagents/agent-1.jsonl', 'top.jsonl']);
    expect(withDots.every((file) => file.startsWith(root))).toBe(true);
    expect(logFilesUnder(root, { isLog: isJsonl, dot: false }).map((file) => relative(root, file))).toEqual(['p/a.jsonl', 'p/b.jsonl', 'p/s/subagents/agent-1.jsonl', 'top.jsonl']);
  });

  it('follow links where they are, skip dangling ones, and end in a cycle of links with each file once', () => {
    const outside = tree(['project/x.jsonl', 'project/s/subagents/y.jsonl', 'single.jsonl']);
    const root = tree(['p/a.jsonl']);
    symlinkSync(join(outside, 'project'), join(root, 'linked'));
    symlinkSync(join(outside, 'single.jsonl'), join(root, 'p', 'single.jsonl'));
    symlinkSync(join(root, 'nowhere.jsonl'), join(root, 'p', 'dangling.jsonl'));
    // A link back up to the root, and one from the linked folder back to the walk.
    symlinkSync(root, join(root, 'p', 'up'));
    symlinkSync(root, join(outside, 'project', 'back'));
    expect(logFilesUnder(root, { isLog: isJsonl, dot: true }).map((file) => relative(root, file))).toEqual([
      'linked/s/subagents/y.jsonl',
      'linked/x.jsonl',
      'p/a.jsonl',
      'p/single.jsonl',
    ]);
  });

  it('are none for a folder that is not there; a relative folder gives absolute paths', () => {
    const root = tree(['p/a.jsonl']);
    expect(logFilesUnder(join(root, 'missing'), { isLog: isJsonl, dot: true })).toEqual([]);
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(logFilesUnder('p', { isLog: isJsonl, dot: true })).toEqual([join(root, 'p', 'a.jsonl')]);
    } finally {
      process.chdir(cwd);
    }
  });
});
