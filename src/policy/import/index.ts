export { importRanger, policyFileName, DEFAULT_IMPORT_FILE } from './import-ranger.js';
export { writeRangerImport, formatRangerImportReport, type WriteRangerImportOptions } from './write-import.js';
export { IMPORTED_CONDITION_TYPES } from './conditions.js';
export type {
  ImportedPolicyFile,
  RangerImportAction,
  RangerImportOptions,
  RangerImportReportEntry,
  RangerImportResult,
} from './types.js';
