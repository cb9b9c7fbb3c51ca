import { existsSync } from 'node:fs';
import { defineCommand } from 'citty';
import { isTrackingEnabled } from '../../lib/tracker/config.ts';
import { TrackerError } from '../../lib/tracker/errors.ts';
import { claudeRowsInParallel } from '../../lib/tracker/importers/claude/parallel.ts';
import type { ClaudeCarry } from '../../lib/tracker/importers/claude/parser.ts';
import { claudeConfigDirs, claudeTranscripts } from '../../lib/tracker/importers/claude/paths.ts';
import { codexRecords, type CodexCarry } from '../../lib/tracker/importers/codex/parser.ts';
import { codexHome, codexRollouts } from '../../lib/tracker/importers/codex/paths.ts';
import { geminiRecords } from '../../lib/tracker/importers/gemini/parser.ts';
import { geminiDir, geminiSessionFiles } from '../../lib/tracker/importers/gemini/paths.ts';
import type { ReadStats } from '../../lib/tracker/importers/jsonl.ts';
import { openCodeRecords } from '../../lib/tracker/importers/opencode/parser.ts';
import { openCodeDataDir, openCodeMessageFiles } from '../../lib/tracker/importers/opencode/paths.ts';
import { CursorBook } from '../../lib/tracker/importers/log-cursor.ts';
import { newImportSummary, writeImported, type ImportRows, type ImportSummary } from '../../lib/tracker/importers/writer.ts';
import type { RecordInput } from '../../lib/tracker/record/record.ts';
import { csvArg, EXIT, formatCount, jsonArg, ledgerTarget, printJson, UsageError, type LedgerTarget } from '../_shared.ts';

interface LogSource {
  label: string;
  /** The folders searched when --dir is not given. */
  defaultDirs: () => string[];
  /** Where the logs are, and the default folder, for messages. */
  dirHint: string;
  files: (dir: string) => Promise<string[]>;
  /** Reads the files' usage; `ledgerPath` lets a source resume each file where the last import stopped; `threads`, read on worker threads. */
  read: (files: readonly string[], stats: ReadStats, ledgerPath: string, threads: number | undefined) => { records: AsyncIterable<RecordInput> | ImportRows; afterWrite?: () => void };
}

const SOURCES: Record<string, LogSource> = {
  claude: {
    label: 'Claude Code',
    defaultDirs: () => claudeConfigDirs(),
    dirHint: 'the folder that holds projects/ (Claude Code: ~/.claude or CLAUDE_CONFIG_DIR)',
    files: claudeTranscripts,
    read: (files, stats, ledgerPath, threads) => {
      const cursors = new CursorBook<ClaudeCarry>(ledgerPath, 'claude');
      return { records: claudeRowsInParallel(files, stats, { cursors }, { threads }), afterWrite: () => cursors.save() };
    },
  },
  codex: {
    label: 'Codex CLI',
    defaultDirs: () => [codexHome()],
    dirHint: 'the folder that holds sessions/ (Codex: ~/.codex or CODEX_HOME)',
    files: codexRollouts,
    read: (files, stats, ledgerPath) => {
      const cursors = new CursorBook<CodexCarry>(ledgerPath, 'codex');
      return { records: codexRecords(files, stats, { cursors }), afterWrite: () => cursors.save() };
    },
  },
  gemini: {
    label: 'Gemini CLI',
    defaultDirs: () => [geminiDir()],
    dirHint: 'the folder that holds tmp/<project>/chats/ (Gemini CLI: ~/.gemini, or $GEMINI_CLI_HOME/.gemini)',
    files: geminiSessionFiles,
    read: (files, stats) => ({ records: geminiRecords(files, stats) }),
  },
  opencode: {
    label: 'OpenCode',
    defaultDirs: () => [openCodeDataDir()],
    dirHint: 'the folder that holds storage/message/ (OpenCode: ~/.local/share/opencode, or $XDG_DATA_HOME/opencode)',
    files: openCodeMessageFiles,
    read: (files, stats) => ({ records: openCodeRecords(files, stats) }),
  },
};

const MAX_THREADS = 64;

function progressLine(summary: ImportSummary, totalFiles: number): string {
  return `\r${summary.source}: ${summary.files}/${totalFiles} files, ${formatCount(summary.lines)} lines, ${formatCount(summary.added)} added`;
}

function describe(summary: ImportSummary, label: string, dirs: readonly string[]): string {
  const skipped = Object.entries(summary.skipped).map(([reason, count]) => `${reason.replaceAll('_', ' ')} ${formatCount(count)}`);
  return [
    `Imported ${label} logs from ${dirs.join(', ')}: ${formatCount(summary.files)} files, ${formatCount(summary.lines)} lines, ${formatCount(summary.responses)} usage entries`,
    `  added ${formatCount(summary.added)} records; ${formatCount(summary.duplicates)} were already in the ledger`,
    `  bad lines (not JSON) ${formatCount(summary.bad_lines)}${skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''}`,
    `  ledger: ${summary.ledger}`,
  ].join('\n');
}

async function listFiles(source: LogSource, dirs: readonly string[]): Promise<string[]> {
  return (await Promise.all(dirs.map((dir) => source.files(dir)))).flat();
}

async function importSource(name: string, source: LogSource, files: readonly string[], target: LedgerTarget, threads?: number): Promise<ImportSummary> {
  const summary = newImportSummary(name, target.path);
  const progress = process.stderr.isTTY ? setInterval(() => process.stderr.write(progressLine(summary, files.length)), 250) : undefined;
  try {
    const { records, afterWrite } = source.read(files, summary, target.path, threads);
    const onIndexProgress = process.stderr.isTTY ? (bytes: number) => process.stderr.write(`\rindexing the ledger once: ${formatCount(Math.round(bytes / 1e6))} MB read`) : undefined;
    await writeImported(records, { loaded: target.loaded, ledgerPath: target.path, afterWrite, onIndexProgress }, summary);
  } finally {
    if (progress) {
      clearInterval(progress);
      process.stderr.write(`${progressLine(summary, files.length)}\n`);
    }
  }
  for (const rejection of summary.rejections) process.stderr.write(`token-ledger: not imported (breaks a ledger rule): ${rejection}\n`);
  if (summary.rejected > summary.rejections.length) process.stderr.write(`token-ledger: ... and ${summary.rejected - summary.rejections.length} more not imported\n`);
  return summary;
}

/** `import all`: every source whose default folders hold logs, one after the other. */
async function importAll(target: LedgerTarget, json: boolean, threads: number | undefined): Promise<void> {
  const found: { name: string; source: LogSource; dirs: string[]; files: string[] }[] = [];
  const missing: string[] = [];
  for (const [name, source] of Object.entries(SOURCES)) {
    const dirs = source.defaultDirs().filter((dir) => existsSync(dir));
    const files = await listFiles(source, dirs);
    if (files.length > 0) found.push({ name, source, dirs, files });
    else missing.push(source.label);
  }
  const results: (ImportSummary & { dirs: string[] })[] = [];
  for (const { name, source, dirs, files } of found) results.push({ ...(await importSource(name, source, files, target, threads)), dirs });
  if (json) {
    printJson({ found: results.map((result) => result.source), not_found: missing, sources: results });
    return;
  }
  const lines = [
    found.length === 0
      ? 'Found no agent logs in the default folders.'
      : `Found logs of ${found.map(({ source, files }) => `${source.label} (${formatCount(files.length)} files)`).join(', ')}`,
    ...(missing.length > 0 ? [`  none for ${missing.join(', ')}`] : []),
    ...results.map((result) => describe(result, SOURCES[result.source]?.label ?? result.source, result.dirs)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export default defineCommand({
  meta: {
    name: 'import',
    description: `Import usage from agents' own logs (${Object.keys(SOURCES).join(', ')}, or all that have any); re-running adds nothing twice`,
  },
  args: {
    source: { type: 'positional', required: true, description: `Which agent's logs: ${Object.keys(SOURCES).join(', ')} or all`, valueHint: `${Object.keys(SOURCES).join('|')}|all` },
    dir: {
      type: 'string',
      description: 'Folder of the agent\'s logs (default: its usual folder, see the Agent imports page); not with all',
      valueHint: 'DIR',
    },
    threads: {
      type: 'string',
      description: 'Worker threads reading, checking and formatting Claude Code transcripts beside the one writing the ledger (default: one per core, at most 4; 0: all on one thread)',
      valueHint: 'N',
    },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const source = SOURCES[args.source];
    if (!source && args.source !== 'all') throw new UsageError(`import: the source must be one of ${Object.keys(SOURCES).join(', ')}, all (got ${JSON.stringify(args.source)})`);
    if (!source && args.dir) throw new UsageError('import all: --dir names one agent\'s folder; give the source too (import codex --dir DIR)');
    const dirs = source ? (args.dir ? [args.dir] : source.defaultDirs()) : [];
    const missing = dirs.filter((dir) => !existsSync(dir));
    if (source && missing.length > 0) {
      throw new TrackerError('INVALID_INPUT', `No ${source.label} folder at ${missing.join(', ')}`, { hint: `Point --dir at ${source.dirHint}.` });
    }
    const threads = args.threads === undefined ? undefined : Number(args.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0 && threads <= MAX_THREADS)) {
      throw new UsageError(`import: --threads must be a whole number from 0 to ${MAX_THREADS} (got ${JSON.stringify(args.threads)})`);
    }
    const target = ledgerTarget(args.csv);
    if (!isTrackingEnabled(target.loaded.config)) {
      process.stderr.write(`token-ledger: nothing imported: tracking is disabled by configuration (${target.loaded.sources.join(', ') || 'defaults'})\n`);
      if (args.json) printJson({ status: 'disabled' });
      return EXIT.ok;
    }
    if (!source) {
      await importAll(target, args.json === true, threads);
      return EXIT.ok;
    }
    const summary = await importSource(args.source, source, await listFiles(source, dirs), target, threads);
    if (args.json) printJson({ ...summary, dirs });
    else process.stdout.write(`${describe(summary, source.label, dirs)}\n`);
    return EXIT.ok;
  },
});
