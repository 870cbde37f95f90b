import type { ResourceRequest } from '../policy/index.js';

/** The caller, as far as revocation is concerned. */
export interface RevocationSubject {
  user: string;
  groups: readonly string[];
  tokenId?: string;
}

/** Checks requests against the blocks that admins set; implemented by the revocation store. */
export interface RevocationCheck {
  /** Returns a sentence naming the block that applies, or undefined when none does. */
  findBlock(subject: RevocationSubject, resource: ResourceRequest): string | undefined;
  /**
   * Returns a sentence naming a user, group or token block on the subject, or undefined.
   * Prefix blocks are ignored, because this checks the caller itself, not the resource it requests.
   */
  findSubjectBlock(subject: RevocationSubject): string | undefined;
}

/** The kinds of target a block can have. */
export const BLOCK_KINDS = ['user', 'group', 'token', 'prefix'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

/**
 * The target of a block: a user name, a group name, a token id (`jti`), or every key of a
 * bucket that starts with a prefix (an empty prefix is the whole bucket).
 */
export type BlockTarget =
  | { kind: 'user' | 'group' | 'token'; value: string }
  | { kind: 'prefix'; bucket: string; prefix: string };

/** A block as an admin writes it, in the revocation file or the admin API. */
export type BlockInput = BlockTarget & {
  reason?: string;
  /** The instant the block stops applying, as an RFC 3339 date-time; absent, it never does. */
  expiresAt?: string;
};

/** The origin of a block: the revocation file, or the admin API. */
export type BlockSource = 'file' | 'api';

/** A stored block. */
export type Block = BlockInput & {
  /** `file-` and 16 hex digits for a file block; a UUID for an API block. */
  id: string;
  source: BlockSource;
  /** API blocks only: when and by which admin user the block was added. */
  createdAt?: string;
  createdBy?: string;
};
