import type { ResourceRequest } from '../policy/index.js';
import type { Block, RevocationSubject } from './types.js';

interface IndexedBlock {
  block: Block;
  /** `expiresAt` in epoch milliseconds; Infinity when the block never expires. */
  expiresAtMs: number;
}

/**
 * An immutable index of blocks: one map lookup per user, group and token id, and a scan
 * of the blocked prefixes of the requested bucket only. Expired blocks stay in the index
 * and are skipped, so a lookup needs no clean-up and the clock stays an input.
 */
export class BlockIndex {
  static readonly EMPTY = new BlockIndex([]);

  readonly blocks: readonly Block[];
  private readonly users = new Map<string, IndexedBlock[]>();
  private readonly groups = new Map<string, IndexedBlock[]>();
  private readonly tokens = new Map<string, IndexedBlock[]>();
  private readonly prefixesByBucket = new Map<string, IndexedBlock[]>();

  constructor(blocks: readonly Block[]) {
    this.blocks = blocks;
    for (const block of blocks) {
      const indexed = { block, expiresAtMs: block.expiresAt === undefined ? Infinity : Date.parse(block.expiresAt) };
      switch (block.kind) {
        case 'user':
          append(this.users, block.value, indexed);
          break;
        case 'group':
          append(this.groups, block.value, indexed);
          break;
        case 'token':
          append(this.tokens, block.value, indexed);
          break;
        case 'prefix':
          append(this.prefixesByBucket, block.bucket, indexed);
          break;
      }
    }
  }

  /** Returns the first block active at `now` on the subject or the resource, or undefined. */
  find(subject: RevocationSubject, resource: ResourceRequest, now: Date): Block | undefined {
    return this.findSubject(subject, now) ?? this.findPrefix(resource, now.getTime());
  }

  /** Returns the first user, group or token block active at `now` on the subject, or undefined. */
  findSubject(subject: RevocationSubject, now: Date): Block | undefined {
    const nowMs = now.getTime();
    const found = firstActive(this.users.get(subject.user), nowMs) ?? (subject.tokenId === undefined ? undefined : firstActive(this.tokens.get(subject.tokenId), nowMs));
    if (found !== undefined) return found;
    for (const group of subject.groups) {
      const byGroup = firstActive(this.groups.get(group), nowMs);
      if (byGroup !== undefined) return byGroup;
    }
    return undefined;
  }

  /**
   * Finds a prefix block that covers the resource. An object is covered when its key starts
   * with the blocked prefix. A list is covered when it would return any key under the
   * blocked prefix: when either prefix starts with the other, because a list of a parent
   * folder would show the blocked keys' names.
   */
  private findPrefix(resource: ResourceRequest, nowMs: number): Block | undefined {
    const candidates = this.prefixesByBucket.get(resource.bucket);
    if (candidates === undefined) return undefined;
    for (const { block, expiresAtMs } of candidates) {
      if (block.kind !== 'prefix' || nowMs >= expiresAtMs) continue;
      const covered = resource.kind === 'object' ? resource.key.startsWith(block.prefix) : resource.prefix.startsWith(block.prefix) || block.prefix.startsWith(resource.prefix);
      if (covered) return block;
    }
    return undefined;
  }
}

function append(map: Map<string, IndexedBlock[]>, name: string, indexed: IndexedBlock): void {
  const list = map.get(name);
  if (list === undefined) map.set(name, [indexed]);
  else list.push(indexed);
}

function firstActive(list: readonly IndexedBlock[] | undefined, nowMs: number): Block | undefined {
  return list?.find((indexed) => nowMs < indexed.expiresAtMs)?.block;
}
