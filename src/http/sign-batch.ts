import { setImmediate } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { authorizeAndSign, type AuthorityDependencies, type CallContext } from '../authority/index.js';
import type { VerifiedToken } from '../auth/index.js';
import { OpenRazError, type ErrorCode, type ErrorDetails } from '../errors/index.js';
import { checkSignRequest } from './sign-request-check.js';

/** A signed item of a batch: the response of `POST /v1/sign` with `status` 200. */
export interface BatchItemSigned {
  status: 200;
  method: string;
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
  decisionId: string;
  policyId: string;
}

/** A failed item of a batch: the status and error that `POST /v1/sign` would return for it, and the item's index. */
export interface BatchItemFailed {
  status: number;
  error: ErrorDetails & { code: ErrorCode; message: string; index: number };
}

export type BatchItemResult = BatchItemSigned | BatchItemFailed;

/** Items signed between two yields to the event loop. */
const BATCH_CHUNK_SIZE = 25;

/** The message of an unexpected failure, as the error handler words it: the details stay in the log. */
const INTERNAL_ERROR_MESSAGE = 'Internal error; the service log has the details under the request id.';

/**
 * Decides, audits and signs each sign request of a batch on its own, as `POST /v1/sign`
 * would, and returns the results in request order. A failing item never stops the others.
 * All items share the caller, the client address, the request id and the instant of the
 * call. Each item has its own decision id and audit lines, one per access.
 *
 * A failure that is not an OpenRazError becomes `ERR_INTERNAL` with no detail. The first one
 * of a batch is logged with its index, and one line counts the failed items by code. Every
 * failed item counts once in `openraz_request_errors_total`.
 *
 * @param admitItem Counts an item against the caller's rate limit and resolves to whether it
 *   may be signed; an item it refuses fails with `ERR_RATE_LIMITED`. Every item is admitted
 *   when absent.
 */
export async function signBatch(
  dependencies: AuthorityDependencies,
  caller: VerifiedToken,
  items: readonly unknown[],
  context: CallContext,
  log: FastifyBaseLogger,
  admitItem?: (index: number) => Promise<boolean>,
): Promise<BatchItemResult[]> {
  const unexpected: { index: number; error: unknown }[] = [];
  const signItem = async (item: unknown, index: number, admitted: boolean): Promise<BatchItemResult> => {
    try {
      if (!admitted) {
        throw new OpenRazError(
          'ERR_RATE_LIMITED',
          'Too many requests: this batch item is over the rate limit of the user; send it again in the next window.',
        );
      }
      checkSignRequest(item);
      const signed = await authorizeAndSign(dependencies, caller, item, context);
      return { status: 200, ...signed, expiresAt: signed.expiresAt.toISOString() };
    } catch (error) {
      if (!(error instanceof OpenRazError)) unexpected.push({ index, error });
      const failure = error instanceof OpenRazError ? error : new OpenRazError('ERR_INTERNAL', INTERNAL_ERROR_MESSAGE);
      dependencies.metrics.requestErrors.inc({ code: failure.code });
      return { status: failure.statusCode, error: { code: failure.code, message: failure.message, index, ...failure.details } };
    }
  };

  // Items run in chunks with a yield to the event loop between them, so a batch of 1000
  // does not hold up every other request for its whole run.
  const results: BatchItemResult[] = [];
  for (let start = 0; start < items.length; start += BATCH_CHUNK_SIZE) {
    if (start > 0) await setImmediate();
    const chunk = items.slice(start, start + BATCH_CHUNK_SIZE);
    // Admitted one after another: @fastify/rate-limit's in-memory store hands every caller in
    // one tick the same counter object, so concurrent checks would all read the last count.
    const admitted: boolean[] = [];
    for (let offset = 0; offset < chunk.length; offset++) admitted.push(admitItem === undefined || (await admitItem(start + offset)));
    results.push(...(await Promise.all(chunk.map((item, offset) => signItem(item, start + offset, admitted[offset]!)))));
  }

  if (unexpected.length > 0) log.error({ err: unexpected[0]!.error, index: unexpected[0]!.index, count: unexpected.length }, 'batch items failed');
  const failures: Record<string, number> = {};
  for (const result of results) if ('error' in result) failures[result.error.code] = (failures[result.error.code] ?? 0) + 1;
  if (Object.keys(failures).length > 0) log.info({ items: items.length, failures }, 'batch items rejected');
  return results;
}
