import { appendFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CursorBook, readLinesFrom, resumeCursor, saveCursor, type LogCursor } from '../../../../src/lib/tracker/importers/log-cursor.ts';

const isNumber = (value: unknown): value is number => typeof value === 'number';

async function readAll(path: string, cursor: LogCursor<number>, finished = false): Promise<{ texts: string[]; next: LogCursor<number> }> {
  const texts: string[] = [];
  let { offset, lines } = cursor;
  for await (const batch of readLinesFrom(path, cursor.offset, cursor.lines, finished)) {
    for (const line of batch) {
      texts.push(line.text);
      offset = line.end;
      lines = line.line;
    }
  }
  return { texts, next: { ...cursor, offset, lines, carry: cursor.carry + texts.length } };
}

function setUp(content: string): { ledger: string; log: string } {
  const folder = mkdtempSync(join(tmpdir(), 'tl-cursor-'));
  const log = join(folder, 'session.jsonl');
  writeFileSync(log, content);
  return { ledger: join(folder, 'token_transactions.csv'), log };
}

describe('log cursors', () => {
  it('resume after the last whole line; a torn last line waits for its newline', async () => {
    const { ledger, log } = setUp('one\ntwo\nthr');
    const first = await readAll(log, resumeCursor(ledger, 'test', log, 0, isNumber));
    expect(first.texts).toEqual(['one', 'two']);
    saveCursor(ledger, 'test', first.next);
    appendFileSync(log, 'ee\nfour\n');
    const resumed = resumeCursor(ledger, 'test', log, 0, isNumber);
    expect(resumed).toMatchObject({ offset: 8, lines: 2, carry: 2 });
    const second = await readAll(log, resumed);
    expect(second.texts).toEqual(['three', 'four']);
    expect(second.next.lines).toBe(4);
  });

  it('take an unterminated last line once the log is finished', async () => {
    const { ledger, log } = setUp('one\nlast');
    expect((await readAll(log, resumeCursor(ledger, 'test', log, 0, isNumber), true)).texts).toEqual(['one', 'last']);
  });

  it('start over when the log shrank or its bytes before the offset changed', async () => {
    const { ledger, log } = setUp('one\ntwo\n');
    saveCursor(ledger, 'test', (await readAll(log, resumeCursor(ledger, 'test', log, 0, isNumber))).next);
    writeFileSync(log, 'onE\ntwo\nthree\n');
    expect(resumeCursor(ledger, 'test', log, 0, isNumber)).toMatchObject({ offset: 0, lines: 0, carry: 0 });
    writeFileSync(log, 'one\ntwo\n');
    saveCursor(ledger, 'test', (await readAll(log, resumeCursor(ledger, 'test', log, 0, isNumber))).next);
    writeFileSync(log, 'one\n');
    expect(resumeCursor(ledger, 'test', log, 0, isNumber).offset).toBe(0);
  });

  it('are saved by an import only when its read moved them', async () => {
    const { ledger, log } = setUp('one\n');
    const importOnce = async () => {
      const book = new CursorBook<number>(ledger, 'test');
      const cursor = book.resume(log, 0, isNumber);
      book.moveTo((await readAll(log, cursor)).next);
      book.save();
    };
    const shardFile = () => {
      const dir = `${ledger}.imports/logs/test`;
      return join(dir, readdirSync(dir)[0] ?? '');
    };
    await importOnce();
    expect(resumeCursor(ledger, 'test', log, 0, isNumber)).toMatchObject({ offset: 4, lines: 1, carry: 1 });
    // A torn line: the read gets no whole line, so the cursor is where it was and its shard is not rewritten (a rename would change the inode).
    const saved = statSync(shardFile()).ino;
    appendFileSync(log, 'tw');
    await importOnce();
    expect(statSync(shardFile()).ino).toBe(saved);
    appendFileSync(log, 'o\n');
    await importOnce();
    expect(statSync(shardFile()).ino).not.toBe(saved);
    expect(resumeCursor(ledger, 'test', log, 0, isNumber)).toMatchObject({ offset: 8, lines: 2, carry: 2 });
  });

  it('are found under any spelling of the log\'s path: relative, or with empty and `.` segments', async () => {
    const { ledger, log } = setUp('one\n');
    saveCursor(ledger, 'test', (await readAll(log, resumeCursor(ledger, 'test', log, 0, isNumber))).next);
    const folder = dirname(log);
    expect(resumeCursor(ledger, 'test', `${folder}//./session.jsonl`, 0, isNumber)).toMatchObject({ path: log, offset: 4, carry: 1 });
    expect(resumeCursor(ledger, 'test', `${folder}/sub/../session.jsonl`, 0, isNumber)).toMatchObject({ path: log, offset: 4 });
    expect(resumeCursor(ledger, 'test', relative(process.cwd(), log), 0, isNumber)).toMatchObject({ path: log, offset: 4 });
  });

  it('start over when the saved carry is not what the reader expects', async () => {
    const { ledger, log } = setUp('one\n');
    saveCursor(ledger, 'test', { path: log, offset: 4, lines: 1, fingerprint: '', size: 4, mtimeMs: 0, carry: 'not a number' });
    expect(resumeCursor(ledger, 'test', log, 0, isNumber)).toMatchObject({ offset: 0, carry: 0 });
  });
});
