import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RangerImportReportEntry, RangerImportResult } from './types.js';

const ACTION_WORDS: Readonly<Record<RangerImportReportEntry['action'], string>> = {
  imported: 'imported',
  'imported-with-changes': 'imported with changes',
  skipped: 'skipped',
};

export interface WriteRangerImportOptions {
  /** Replace files that already exist in the directory. Defaults to false. */
  overwrite?: boolean;
}

/**
 * Writes the converted policy files into `dir`, creating it when missing, and returns the
 * report text from `formatRangerImportReport`.
 *
 * @throws Error when a file already exists and `overwrite` is not set; files before it in
 *   `result.files` have been written by then.
 */
export async function writeRangerImport(result: RangerImportResult, dir: string, options: WriteRangerImportOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const file of result.files) {
    const target = path.join(dir, file.name);
    try {
      await writeFile(target, `${JSON.stringify(file.document, null, 2)}\n`, { flag: options.overwrite ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`${target} already exists; remove it or write to another directory`, { cause: error });
      }
      throw error;
    }
  }
  return formatRangerImportReport(result, dir);
}

/**
 * Formats the import report as plain text: one line per policy with what happened to it,
 * one indented line per change or reason, then the notes and, when `dir` is given, one line
 * per file written there.
 */
export function formatRangerImportReport(result: RangerImportResult, dir?: string): string {
  const lines: string[] = [];
  for (const entry of result.report) {
    lines.push(`${describePolicy(entry)}: ${ACTION_WORDS[entry.action]}`);
    for (const detail of entry.details) lines.push(`  - ${detail}`);
  }
  for (const note of result.notes) lines.push(`Note: ${note}`);

  const counts = countActions(result.report);
  lines.push(
    `${result.report.length} ${plural(result.report.length, 'policy', 'policies')}: ${counts.imported} imported, ` +
      `${counts['imported-with-changes']} imported with changes, ${counts.skipped} skipped.`,
  );
  if (dir !== undefined) {
    for (const file of result.files) {
      const count = file.document.policies.length;
      lines.push(`Wrote ${count} ${plural(count, 'policy', 'policies')} to ${path.join(dir, file.name)}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function describePolicy(entry: RangerImportReportEntry): string {
  const id = entry.policyId === null ? 'without an id' : String(entry.policyId);
  return entry.name === null ? `Policy ${id}` : `Policy ${id} "${entry.name}"`;
}

function countActions(report: readonly RangerImportReportEntry[]): Record<RangerImportReportEntry['action'], number> {
  const counts = { imported: 0, 'imported-with-changes': 0, skipped: 0 };
  for (const entry of report) counts[entry.action] += 1;
  return counts;
}

function plural(count: number, singular: string, pluralForm: string): string {
  return count === 1 ? singular : pluralForm;
}
