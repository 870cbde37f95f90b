/** The outcome of importing one Ranger policy. */
export type RangerImportAction = 'imported' | 'imported-with-changes' | 'skipped';

/** One Ranger policy in the import report. */
export interface RangerImportReportEntry {
  /** The Ranger policy id, or null when the input policy has no valid id. */
  policyId: number | string | null;
  /** The Ranger policy name, or null when the input policy has no valid name. */
  name: string | null;
  action: RangerImportAction;
  /**
   * One plain sentence per change made to the policy, or per reason it was skipped. Item
   * positions such as `policyItems[1]` count items in the Ranger input.
   */
  details: string[];
}

/** A converted openraz policy file, ready to be written as JSON. */
export interface ImportedPolicyFile {
  /** The file name without a directory, such as `cm_s3.json`. */
  name: string;
  document: { policies: Record<string, unknown>[] };
}

export interface RangerImportResult {
  files: ImportedPolicyFile[];
  /** One entry per policy found in the input, in input order. */
  report: RangerImportReportEntry[];
  /** Findings about the input as a whole: tag policies, policy deltas, several services. */
  notes: string[];
}

export interface RangerImportOptions {
  /** The input's name in error messages, such as the file path. Defaults to `input`. */
  source?: string;
  /**
   * Imports only the policies whose Ranger `service` field names this service, and names the
   * output file after it. Policies of other services are reported as skipped. By default
   * every policy is considered and the file is named after the input's service.
   */
  serviceName?: string;
}
