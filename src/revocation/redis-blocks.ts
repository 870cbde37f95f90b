import type { ChainableCommander, Redis } from 'ioredis';
import { OpenRazError } from '../errors/index.js';
import { BlockIndex } from './block-index.js';
import { checkBlockFields } from './blocks.js';
import type { SharedBlocks } from './shared-blocks.js';
import type { Block } from './types.js';
import { validateStoredBlock } from './validators.js';

/** Something the Redis backend reports for the diagnostic log. */
export type RedisBlocksEvent =
  | { type: 'reloaded'; blockCount: number }
  | { type: 'reload-failed'; error: Error }
  | { type: 'invalid-entry'; id: string; message: string }
  | { type: 'connection-error'; error: Error };

export interface RedisBlocksOptions {
  /** The shared client; this backend opens one more connection from it for pub/sub. */
  redis: Redis;
  /** Prefix of the hash and channel names (`redis.keyPrefix`). */
  keyPrefix: string;
  onEvent?: (event: RedisBlocksEvent) => void;
}

/**
 * API blocks shared by every replica through Redis. The blocks are one hash,
 * `<keyPrefix>revocations`, from block id to block JSON. A write changes the hash and
 * publishes on the channel of the same name in one MULTI transaction. Every replica that
 * receives the message reads the whole hash again. A replica also reads it whenever one of
 * its connections becomes ready, which covers the changes it missed while disconnected.
 *
 * Checks read the in-memory index only. While Redis is unreachable the last index keeps
 * serving, and writes fail with `ERR_REVOCATION_STORE_UNAVAILABLE`.
 */
export class RedisBlocks implements SharedBlocks {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly onEvent: (event: RedisBlocksEvent) => void;
  private subscriber: Redis | undefined;
  private serving = BlockIndex.EMPTY;
  /** A reload that has not started yet; callers in the meantime share it. */
  private queued: Promise<void> | undefined;
  /** The last reload; the next one starts after it, so snapshots apply in order. */
  private tail: Promise<void> = Promise.resolve();
  private readonly reloadOnReady = (): void => this.reloadInBackground();
  private readonly reportError = (error: Error): void => this.onEvent({ type: 'connection-error', error });

  constructor(options: RedisBlocksOptions) {
    this.redis = options.redis;
    this.key = `${options.keyPrefix}revocations`;
    this.onEvent = options.onEvent ?? (() => {});
  }

  index(): BlockIndex {
    return this.serving;
  }

  /**
   * Subscribes to the change channel, then reads the hash, so no change falls between the
   * two.
   *
   * @throws Error when Redis cannot be reached.
   */
  async start(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string) => {
      if (channel === this.key) this.reloadInBackground();
    });
    subscriber.on('error', this.reportError);
    // The shared client reads and writes the hash; without a listener, ioredis prints its
    // errors to the console, outside the diagnostic log.
    this.redis.on('error', this.reportError);
    await subscriber.subscribe(this.key);
    // ioredis subscribes again by itself after a reconnect; blocks changed meanwhile are
    // read on `ready`.
    subscriber.on('ready', this.reloadOnReady);
    this.redis.on('ready', this.reloadOnReady);
    await this.reload();
  }

  async add(block: Block, expiredIds: readonly string[]): Promise<void> {
    const transaction = this.redis.multi().hset(this.key, block.id, JSON.stringify(block));
    if (expiredIds.length > 0) transaction.hdel(this.key, ...expiredIds);
    transaction.publish(this.key, JSON.stringify({ change: 'added', id: block.id }));
    await this.execute(transaction, 'store the block');
    await this.reloadAfterWrite((blocks) => {
      for (const id of expiredIds) blocks.delete(id);
      blocks.set(block.id, block);
    });
  }

  async remove(id: string): Promise<Block | undefined> {
    const block = this.serving.blocks.find((candidate) => candidate.id === id) ?? (await this.read(id));
    if (block === undefined) return undefined;

    const results = await this.execute(this.redis.multi().hdel(this.key, id).publish(this.key, JSON.stringify({ change: 'removed', id })), 'remove the block');
    await this.reloadAfterWrite((blocks) => blocks.delete(id));
    // HDEL returns 0 when the hash no longer has the block, for example because another
    // replica removed it after this one last read the hash.
    return results[0] === 1 ? block : undefined;
  }

  async close(): Promise<void> {
    this.redis.off('ready', this.reloadOnReady);
    this.redis.off('error', this.reportError);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) {
      subscriber.off('ready', this.reloadOnReady);
      // QUIT waits for a connection; one that is down is dropped at once.
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
      else subscriber.disconnect();
    }
    await this.tail;
  }

  /** Reads the whole hash again; calls made before a reload starts share it. */
  private reload(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const next = this.tail.then(() => {
      this.queued = undefined;
      return this.loadOnce();
    });
    this.queued = next;
    this.tail = next.catch(() => {});
    return next;
  }

  private reloadInBackground(): void {
    this.reload().catch((error: unknown) => this.onEvent({ type: 'reload-failed', error: toError(error) }));
  }

  private async loadOnce(): Promise<void> {
    const entries = await this.redis.hgetall(this.key);
    const blocks: Block[] = [];
    for (const [id, text] of Object.entries(entries)) {
      const block = this.parseEntry(id, text);
      if (block !== undefined) blocks.push(block);
    }
    this.serving = new BlockIndex(blocks);
    this.onEvent({ type: 'reloaded', blockCount: blocks.length });
  }

  /**
   * Makes a write visible on this replica before the request returns: by a reload that
   * starts after the write, or, when that fails, by applying the change to the index.
   */
  private async reloadAfterWrite(apply: (blocks: Map<string, Block>) => void): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.onEvent({ type: 'reload-failed', error: toError(error) });
      const blocks = new Map(this.serving.blocks.map((block) => [block.id, block]));
      apply(blocks);
      this.serving = new BlockIndex([...blocks.values()]);
    }
  }

  private async read(id: string): Promise<Block | undefined> {
    let text: string | null;
    try {
      text = await this.redis.hget(this.key, id);
    } catch (error) {
      throw unavailable('read the block', error);
    }
    return text === null ? undefined : this.parseEntry(id, text);
  }

  /** Returns the results of the transaction's commands, in order. */
  private async execute(transaction: ChainableCommander, action: string): Promise<unknown[]> {
    let results: [Error | null, unknown][] | null;
    try {
      results = await transaction.exec();
    } catch (error) {
      throw unavailable(action, error);
    }
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) throw unavailable(action, failed ?? new Error('the transaction was discarded'));
    return results.map(([, result]) => result);
  }

  /** Returns the stored block, or undefined (reported) when the entry is not a valid block. */
  private parseEntry(id: string, text: string): Block | undefined {
    let block: unknown;
    try {
      block = JSON.parse(text);
    } catch (error) {
      this.onEvent({ type: 'invalid-entry', id, message: `invalid JSON: ${(error as Error).message}` });
      return undefined;
    }
    if (!validateStoredBlock(block) || checkBlockFields(block as Block).length > 0 || (block as Block).id !== id) {
      this.onEvent({ type: 'invalid-entry', id, message: 'not a block of this openraz version, or its id differs from the hash field' });
      return undefined;
    }
    return block as Block;
  }
}

function unavailable(action: string, cause: unknown): OpenRazError {
  return new OpenRazError('ERR_REVOCATION_STORE_UNAVAILABLE', `Cannot ${action}: the shared revocation store (Redis) is unavailable; retry later.`, {}, { cause });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
