import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { OpenRazError } from '../errors/index.js';
import type { ResourceRequest } from '../policy/index.js';
import { checkBlockFields, describeBlock, isBlockActive, normalizeBlockInput } from './blocks.js';
import { RevocationFile, type FileReloadResult } from './file-watcher.js';
import { RedisBlocks, type RedisBlocksEvent } from './redis-blocks.js';
import { MemoryBlocks, type SharedBlocks } from './shared-blocks.js';
import type { Block, BlockInput, RevocationCheck, RevocationSubject } from './types.js';

export interface RevocationStoreOptions {
  /** The revocation file (`revocation.file`); none when absent. */
  file?: string;
  /** Keeps API blocks in Redis for every replica; in this process only when absent. */
  redis?: Redis;
  /** Prefix of the Redis key and channel (`redis.keyPrefix`); default `openraz:`. */
  keyPrefix?: string;
  /** The clock that decides whether a block has expired; tests pin it. */
  now?: () => Date;
  onFileReload?: (result: FileReloadResult) => void;
  onRedisEvent?: (event: RedisBlocksEvent) => void;
  /** How long file changes must settle before a reload, in milliseconds; default 200. */
  debounceMs?: number;
}

/**
 * The blocks that admins set, from two sources: the revocation file (read-only here,
 * changed through the file) and the admin API. Checks read in-memory indexes only, so a
 * decision never waits for the file system or Redis.
 */
export class RevocationStore implements RevocationCheck {
  private readonly file: RevocationFile | undefined;
  private readonly shared: SharedBlocks;
  private readonly now: () => Date;

  private constructor(file: RevocationFile | undefined, shared: SharedBlocks, now: () => Date) {
    this.file = file;
    this.shared = shared;
    this.now = now;
  }

  /**
   * Loads the file and the shared blocks.
   *
   * @throws LoadError when the file is missing or invalid; Error when Redis cannot be read,
   *   because a replica without the shared blocks would serve callers that are blocked.
   */
  static async open(options: RevocationStoreOptions): Promise<RevocationStore> {
    const file =
      options.file === undefined
        ? undefined
        : await RevocationFile.open({ file: options.file, ...(options.onFileReload === undefined ? {} : { onReload: options.onFileReload }), ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }) });
    const shared =
      options.redis === undefined
        ? new MemoryBlocks()
        : new RedisBlocks({ redis: options.redis, keyPrefix: options.keyPrefix ?? 'openraz:', ...(options.onRedisEvent === undefined ? {} : { onEvent: options.onRedisEvent }) });
    try {
      await shared.start();
    } catch (error) {
      await shared.close();
      await file?.close();
      throw new Error(`cannot read the revocations in Redis (redis.url): ${(error as Error).message}`, { cause: error });
    }
    return new RevocationStore(file, shared, options.now ?? (() => new Date()));
  }

  findBlock(subject: RevocationSubject, resource: ResourceRequest): string | undefined {
    const now = this.now();
    const block = this.file?.index().find(subject, resource, now) ?? this.shared.index().find(subject, resource, now);
    return block === undefined ? undefined : describeBlock(block);
  }

  findSubjectBlock(subject: RevocationSubject): string | undefined {
    const now = this.now();
    const block = this.file?.index().findSubject(subject, now) ?? this.shared.index().findSubject(subject, now);
    return block === undefined ? undefined : describeBlock(block);
  }

  /** Returns the blocks that apply now: the file's in file order, then the API's by creation time. */
  list(): Block[] {
    const now = this.now();
    const fromFile = this.file?.index().blocks ?? [];
    const fromApi = [...this.shared.index().blocks].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
    return [...fromFile, ...fromApi].filter((block) => isBlockActive(block, now));
  }

  /**
   * Adds an API block, which applies on this replica when the promise resolves and on the
   * others as soon as they receive the change. Expired API blocks are deleted on the way.
   *
   * @param createdBy the admin user, recorded with the block.
   * @throws OpenRazError `ERR_REQUEST_INVALID`, naming the field, for a field that does not
   *   go with the kind or an `expiresAt` that is not in the future.
   * @throws OpenRazError `ERR_REVOCATION_STORE_UNAVAILABLE` when Redis cannot be written.
   */
  async add(input: BlockInput, createdBy: string): Promise<Block> {
    const [problem] = checkBlockFields(input);
    if (problem !== undefined) throw new OpenRazError('ERR_REQUEST_INVALID', `Field "${problem.field}" is invalid: ${problem.message}.`, { field: problem.field });
    const now = this.now();
    if (input.expiresAt !== undefined && !isBlockActive(input, now)) {
      throw new OpenRazError('ERR_REQUEST_INVALID', `Field "expiresAt" must be later than the current time (${now.toISOString()}).`, { field: 'expiresAt' });
    }

    const block: Block = { ...normalizeBlockInput(input), id: randomUUID(), source: 'api', createdAt: now.toISOString(), createdBy };
    const expiredIds = this.shared
      .index()
      .blocks.filter((stored) => !isBlockActive(stored, now))
      .map((stored) => stored.id);
    await this.shared.add(block, expiredIds);
    return block;
  }

  /**
   * Removes an API block on every replica.
   *
   * @throws OpenRazError `ERR_REVOCATION_FROM_FILE` for a block of the revocation file,
   *   `ERR_REVOCATION_NOT_FOUND` when no block has the id, `ERR_REVOCATION_STORE_UNAVAILABLE`
   *   when Redis cannot be written.
   */
  async remove(id: string): Promise<Block> {
    if (this.file?.index().blocks.some((block) => block.id === id)) {
      throw new OpenRazError('ERR_REVOCATION_FROM_FILE', `Revocation ${id} comes from the revocation file (revocation.file); remove it from the file, which is reloaded when it changes.`);
    }
    const removed = await this.shared.remove(id);
    if (removed === undefined) {
      throw new OpenRazError('ERR_REVOCATION_NOT_FOUND', `No revocation has the id "${id}"; GET /v1/admin/revocations lists them.`);
    }
    return removed;
  }

  /** Loads the revocation file again; undefined when no file is configured. */
  async reloadFile(): Promise<FileReloadResult | undefined> {
    return this.file?.reload();
  }

  /** Reloads the revocation file whenever it changes. */
  watch(): void {
    this.file?.watch();
  }

  /** Stops watching the file and following Redis; the shared Redis client stays open. */
  async close(): Promise<void> {
    await this.file?.close();
    await this.shared.close();
  }
}
