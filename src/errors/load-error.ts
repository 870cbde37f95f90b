/** One problem found while loading configuration or policies. */
export interface LoadProblem {
  /** The file, or the environment variable, the value came from. */
  source: string;
  /** JSON pointer to the value inside the source (`/policies/0/resources/path`), or `` for the whole source. */
  pointer: string;
  message: string;
}

/**
 * An error raised when configuration or policies cannot be loaded. It carries every problem
 * found, not only the first, so one run shows an operator everything to fix.
 */
export class LoadError extends Error {
  readonly problems: readonly LoadProblem[];

  constructor(what: string, problems: readonly LoadProblem[]) {
    super(`${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${formatLoadProblems(problems)}`);
    this.name = 'LoadError';
    this.problems = problems;
  }
}

/** Formats load problems one a line, as `source#pointer: message`. */
export function formatLoadProblems(problems: readonly LoadProblem[]): string {
  return problems.map((problem) => `  ${problem.source}#${problem.pointer}: ${problem.message}`).join('\n');
}
