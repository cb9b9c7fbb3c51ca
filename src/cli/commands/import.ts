import { existsSync } from 'node:fs';
import { defineCommand } from 'citty';
import { TrackerError, isTrackingEnabled } from '../../lib/tracker/index.ts';
import { claudeRecords, type ClaudeCarry } from '../../lib/tracker/importers/claude/parser.ts';
import { claudeConfigDirs, claudeTranscripts } from '../../lib/tracker/importers/claude/paths.ts';
import { codexRecords } from '../../lib/tracker/importers/codex/parser.ts';
import { codexHome, codexRollouts } from '../../lib/tracker/importers/codex/paths.ts';
import type { ReadStats } from '../../lib/tracker/importers/jsonl.ts';
import { CursorBook } from '../../lib/tracker/importers/log-cursor.ts';
import { newImportSummary, writeImported, type ImportSummary } from '../../lib/tracker/importers/writer.ts';
import type { RecordInput } from '../../lib/tracker/record/record.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson, UsageError } from '../_shared.ts';

interface LogSource {
  label: string;
  /** The folders searched when --dir is not given. */
  defaultDirs: () => string[];
  /** The folder inside a config dir that holds the logs, for messages. */
  logFolder: string;
  files: (dir: string) => Promise<string[]>;
  /** Reads the files' usage; `ledgerPath` lets a source resume each file where the last import stopped. */
  read: (files: readonly string[], stats: ReadStats, ledgerPath: string) => { records: AsyncIterable<RecordInput>; afterWrite?: () => void };
}

const SOURCES: Record<string, LogSource> = {
  claude: {
    label: 'Claude Code',
    defaultDirs: () => claudeConfigDirs(),
    logFolder: 'projects',
    files: claudeTranscripts,
    read: (files, stats, ledgerPath) => {
      const cursors = new CursorBook<ClaudeCarry>(ledgerPath, 'claude');
      return { records: claudeRecords(files, stats, { cursors }), afterWrite: () => cursors.save() };
    },
  },
  codex: {
    label: 'Codex CLI',
    defaultDirs: () => [codexHome()],
    logFolder: 'sessions',
    files: codexRollouts,
    read: (files, stats) => ({ records: codexRecords(files, stats) }),
  },
};

const integer = new Intl.NumberFormat('en-US');

function progressLine(summary: ImportSummary, totalFiles: number): string {
  return `\r${summary.source}: ${summary.files}/${totalFiles} files, ${integer.format(summary.lines)} lines, ${integer.format(summary.added)} added`;
}

function describe(summary: ImportSummary, label: string, dirs: readonly string[]): string {
  const skipped = Object.entries(summary.skipped).map(([reason, count]) => `${reason.replaceAll('_', ' ')} ${integer.format(count)}`);
  return [
    `Imported ${label} logs from ${dirs.join(', ')}: ${integer.format(summary.files)} files, ${integer.format(summary.lines)} lines, ${integer.format(summary.responses)} usage entries`,
    `  added ${integer.format(summary.added)} records; ${integer.format(summary.duplicates)} were already in the ledger`,
    `  bad lines (not JSON) ${integer.format(summary.bad_lines)}${skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''}`,
    `  ledger: ${summary.ledger}`,
  ].join('\n');
}

export default defineCommand({
  meta: {
    name: 'import',
    description: 'Import usage from an agent\'s own logs (claude: ~/.claude/projects, codex: ~/.codex/sessions); re-running adds nothing twice',
  },
  args: {
    source: { type: 'positional', required: true, description: 'Which agent\'s logs: claude or codex', valueHint: 'claude|codex' },
    dir: {
      type: 'string',
      description: 'Config folder of the agent (default: CLAUDE_CONFIG_DIR or ~/.claude; CODEX_HOME or ~/.codex)',
      valueHint: 'DIR',
    },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const source = SOURCES[args.source];
    if (!source) throw new UsageError(`import: the source must be one of ${Object.keys(SOURCES).join(', ')} (got ${JSON.stringify(args.source)})`);
    const dirs = args.dir ? [args.dir] : source.defaultDirs();
    const missing = dirs.filter((dir) => !existsSync(dir));
    if (missing.length > 0) {
      throw new TrackerError('INVALID_INPUT', `No ${source.label} folder at ${missing.join(', ')}`, {
        hint: `Point --dir at the folder that holds ${source.logFolder}/ (for ${args.source === 'claude' ? 'Claude Code: ~/.claude or CLAUDE_CONFIG_DIR' : 'Codex: ~/.codex or CODEX_HOME'}).`,
      });
    }
    const target = ledgerTarget(args.csv);
    if (!isTrackingEnabled(target.loaded.config)) {
      process.stderr.write(`token-ledger: nothing imported: tracking is disabled by configuration (${target.loaded.sources.join(', ') || 'defaults'})\n`);
      if (args.json) printJson({ status: 'disabled' });
      return EXIT.ok;
    }
    const files = (await Promise.all(dirs.map((dir) => source.files(dir)))).flat();
    const summary = newImportSummary(args.source, target.path);
    const progress = process.stderr.isTTY ? setInterval(() => process.stderr.write(progressLine(summary, files.length)), 250) : undefined;
    try {
      const { records, afterWrite } = source.read(files, summary, target.path);
      const onIndexProgress = process.stderr.isTTY ? (bytes: number) => process.stderr.write(`\rindexing the ledger once: ${integer.format(Math.round(bytes / 1e6))} MB read`) : undefined;
      await writeImported(records, { loaded: target.loaded, ledgerPath: target.path, afterWrite, onIndexProgress }, summary);
    } finally {
      if (progress) {
        clearInterval(progress);
        process.stderr.write(`${progressLine(summary, files.length)}\n`);
      }
    }
    for (const rejection of summary.rejections) process.stderr.write(`token-ledger: not imported (breaks a ledger rule): ${rejection}\n`);
    if (summary.rejected > summary.rejections.length) process.stderr.write(`token-ledger: ... and ${summary.rejected - summary.rejections.length} more not imported\n`);
    if (args.json) printJson({ ...summary, dirs });
    else process.stdout.write(`${describe(summary, source.label, dirs)}\n`);
    return EXIT.ok;
  },
});
