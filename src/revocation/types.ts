import type { ResourceRequest } from '../policy/index.js';

/** Who is asking, as far as revocation is concerned. */
export interface RevocationSubject {
  user: string;
  groups: readonly string[];
  tokenId?: string;
}

/** Checks requests against the blocks that admins set; implemented by the revocation store. */
export interface RevocationCheck {
  /** Returns a sentence naming the block that applies, or undefined when none does. */
  findBlock(subject: RevocationSubject, resource: ResourceRequest): string | undefined;
}
