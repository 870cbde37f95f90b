import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LoadError, type LoadProblem } from '../errors/index.js';
import { parseValidatedJson } from '../lib/json-document.js';
import { checkBlockFields, normalizeBlockInput, targetKey } from './blocks.js';
import type { Block, BlockInput } from './types.js';
import { validateRevocationFile } from './validators.js';

/** The blocks of one revocation file, and a SHA-256 of its text that changes with it. */
export interface RevocationFileContents {
  blocks: readonly Block[];
  version: string;
}

/**
 * Reads and validates a revocation file. A file block's id is `file-` and the first 16 hex
 * digits of a SHA-256 of its target, so it stays the same while the entry does.
 *
 * @throws LoadError listing every problem, each with the file and a JSON pointer.
 */
export async function loadRevocationFile(file: string): Promise<RevocationFileContents> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new LoadError('cannot load revocations', [{ source: file, pointer: '', message: `cannot read the revocation file: ${(error as Error).message}` }]);
  }
  return { blocks: parseRevocationFile(file, text), version: createHash('sha256').update(text).digest('hex') };
}

/**
 * Validates the text of a revocation file and returns its blocks.
 *
 * @throws LoadError listing every problem, each with `source` and a JSON pointer.
 */
export function parseRevocationFile(source: string, text: string): Block[] {
  const problems: LoadProblem[] = [];
  const document = parseValidatedJson<{ blocks: BlockInput[] }>(source, text, validateRevocationFile, problems);
  if (document === undefined) throw new LoadError('cannot load revocations', problems);

  const blocks: Block[] = [];
  const firstSeen = new Map<string, string>();
  document.blocks.forEach((input, index) => {
    const pointer = `/blocks/${index}`;
    const fieldProblems = checkBlockFields(input);
    problems.push(...fieldProblems.map((problem) => ({ source, pointer: `${pointer}/${problem.field}`, message: problem.message })));
    if (fieldProblems.length > 0) return;

    // Two entries for one target would leave it blocked after one of them is deleted.
    const key = targetKey(input);
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      problems.push({ source, pointer, message: `duplicate block, the same target as ${earlier}; keep one entry per target` });
      return;
    }
    firstSeen.set(key, pointer);
    blocks.push({ ...normalizeBlockInput(input), id: fileBlockId(key), source: 'file' });
  });

  if (problems.length > 0) throw new LoadError('cannot load revocations', problems);
  return blocks;
}

function fileBlockId(targetKey: string): string {
  return `file-${createHash('sha256').update(targetKey).digest('hex').slice(0, 16)}`;
}
