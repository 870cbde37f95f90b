import type { ErrorObject } from 'ajv';
import type { LoadProblem } from '../errors/index.js';

/**
 * Turns ajv's errors into load problems with plain messages and a JSON pointer to the value
 * at fault. For an unknown or missing field the pointer names the field itself.
 */
export function ajvErrorsToProblems(source: string, errors: readonly ErrorObject[] | null | undefined): LoadProblem[] {
  return (errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties':
        return {
          source,
          pointer: `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`,
          message: `unknown field "${String(params.additionalProperty)}"; remove it or fix its spelling`,
        };
      case 'required':
        return {
          source,
          pointer: `${error.instancePath}/${escapePointer(String(params.missingProperty))}`,
          message: `missing required field "${String(params.missingProperty)}"`,
        };
      case 'enum':
        return {
          source,
          pointer: error.instancePath,
          message: `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`,
        };
      default:
        return { source, pointer: error.instancePath, message: error.message ?? `failed the "${error.keyword}" check` };
    }
  });
}

/** Escapes one JSON pointer token (RFC 6901: `~` becomes `~0`, `/` becomes `~1`). */
export function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
