import type { ValidateFunction } from 'ajv';
import type { LoadProblem } from '../errors/index.js';
import { ajvErrorsToProblems } from './ajv-problems.js';

/**
 * Parses JSON text and validates it against a compiled schema. Returns the document, or
 * undefined after appending the problems (invalid JSON, or every schema error with its
 * pointer) to `problems`.
 */
export function parseValidatedJson<T>(source: string, text: string, validate: ValidateFunction, problems: LoadProblem[]): T | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    problems.push({ source, pointer: '', message: `invalid JSON: ${(error as Error).message}` });
    return undefined;
  }
  if (!validate(document)) {
    problems.push(...ajvErrorsToProblems(source, validate.errors));
    return undefined;
  }
  return document as T;
}
