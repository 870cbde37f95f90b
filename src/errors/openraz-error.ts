import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Structured fields an error response may carry besides `code` and `message`. */
export interface ErrorDetails {
  /** The request field at fault, as a dotted name (`key`, `expiresInSeconds`). */
  field?: string;
  /** The JWT claim at fault (`exp`, `aud`). */
  claim?: string;
  /** The audit id of the decision that produced this error. */
  decisionId?: string;
  /** DeleteObjects: the keys that may not be deleted, which deny the whole request. */
  deniedKeys?: string[];
}

/**
 * An error the service returns to its caller. The message is shown to the caller as it is,
 * so it must never contain a token, a credential, a signature or a presigned URL.
 */
export class OpenRazError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpenRazError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.details = details;
  }
}
