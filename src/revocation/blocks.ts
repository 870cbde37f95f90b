import type { Block, BlockInput, BlockTarget } from './types.js';

/** One field of a block input that breaks the rules between fields. */
export interface BlockFieldProblem {
  field: string;
  message: string;
}

/**
 * Checks which fields go with the block's kind: `value` with user, group and token blocks,
 * `bucket` and `prefix` with prefix blocks. Returns one problem per field at fault, empty
 * when the input is valid. The field types are the schema's job.
 */
export function checkBlockFields(input: Partial<Record<'kind' | 'value' | 'bucket' | 'prefix', unknown>>): BlockFieldProblem[] {
  const problems: BlockFieldProblem[] = [];
  if (input.kind === 'prefix') {
    if (input.value !== undefined) problems.push({ field: 'value', message: 'a prefix block takes "bucket" and "prefix", not "value"' });
    if (input.bucket === undefined) problems.push({ field: 'bucket', message: 'a prefix block needs "bucket"' });
    if (input.prefix === undefined) problems.push({ field: 'prefix', message: 'a prefix block needs "prefix" (an empty string blocks the whole bucket)' });
  } else {
    const kind = String(input.kind);
    if (input.value === undefined) problems.push({ field: 'value', message: `a ${kind} block needs "value"` });
    for (const field of ['bucket', 'prefix'] as const) {
      if (input[field] !== undefined) problems.push({ field, message: `"${field}" goes only with kind "prefix"; a ${kind} block takes "value"` });
    }
  }
  return problems;
}

/**
 * Copies a checked input into the fields a block keeps, with `expiresAt` in the canonical
 * form `Date.prototype.toISOString` writes, so that stored blocks compare and sort alike.
 */
export function normalizeBlockInput(input: BlockInput): BlockInput {
  const target: BlockTarget = input.kind === 'prefix' ? { kind: 'prefix', bucket: input.bucket, prefix: input.prefix } : { kind: input.kind, value: input.value };
  return {
    ...target,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.expiresAt === undefined ? {} : { expiresAt: new Date(input.expiresAt).toISOString() }),
  };
}

/** Returns a string that is equal for two blocks exactly when they block the same target. */
export function targetKey(target: BlockTarget): string {
  return target.kind === 'prefix' ? JSON.stringify([target.kind, target.bucket, target.prefix]) : JSON.stringify([target.kind, target.value]);
}

/** Returns whether the block applies at `now`: it has no expiry, or the expiry is later. */
export function isBlockActive(block: Pick<BlockInput, 'expiresAt'>, now: Date): boolean {
  return block.expiresAt === undefined || now.getTime() < Date.parse(block.expiresAt);
}

/**
 * Describes the block for the audit line of a decision it denies, for example
 * `user "mallory" is blocked (api block 6f1c…): laptop stolen`. A token block names the
 * token id (`jti`), never the token.
 */
export function describeBlock(block: Block): string {
  const target = block.kind === 'prefix' ? `prefix s3://${block.bucket}/${block.prefix}` : `${block.kind === 'token' ? 'token id' : block.kind} "${block.value}"`;
  const described = `${target} is blocked (${block.source} block ${block.id})`;
  return block.reason === undefined ? described : `${described}: ${block.reason}`;
}
