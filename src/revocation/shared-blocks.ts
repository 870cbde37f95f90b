import { BlockIndex } from './block-index.js';
import type { Block } from './types.js';

/**
 * Storage of API blocks, in this process or in Redis for every replica. Each backend keeps
 * an in-memory index that checks read without I/O, and replaces it whenever the blocks
 * change.
 */
export interface SharedBlocks {
  /** The blocks that this replica enforces now. */
  index(): BlockIndex;
  /** Loads the blocks for the first time and starts following changes. */
  start(): Promise<void>;
  /**
   * Stores a block and deletes the blocks in `expiredIds`. The block applies on this
   * replica when the promise resolves.
   *
   * @throws OpenRazError `ERR_REVOCATION_STORE_UNAVAILABLE` when the store cannot be written.
   */
  add(block: Block, expiredIds: readonly string[]): Promise<void>;
  /**
   * Deletes a block and returns it, or returns undefined when no block has the id.
   *
   * @throws OpenRazError `ERR_REVOCATION_STORE_UNAVAILABLE` when the store cannot be written.
   */
  remove(id: string): Promise<Block | undefined>;
  close(): Promise<void>;
}

/** API blocks in this process only: other replicas never see them, and a restart loses them. */
export class MemoryBlocks implements SharedBlocks {
  private readonly blocks = new Map<string, Block>();
  private serving = BlockIndex.EMPTY;

  index(): BlockIndex {
    return this.serving;
  }

  async start(): Promise<void> {}

  async add(block: Block, expiredIds: readonly string[]): Promise<void> {
    for (const id of expiredIds) this.blocks.delete(id);
    this.blocks.set(block.id, block);
    this.serving = new BlockIndex([...this.blocks.values()]);
  }

  async remove(id: string): Promise<Block | undefined> {
    const block = this.blocks.get(id);
    if (block === undefined) return undefined;
    this.blocks.delete(id);
    this.serving = new BlockIndex([...this.blocks.values()]);
    return block;
  }

  async close(): Promise<void> {}
}
