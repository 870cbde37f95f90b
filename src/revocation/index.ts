export { BlockIndex } from './block-index.js';
export { checkBlockFields, describeBlock, isBlockActive } from './blocks.js';
export { loadRevocationFile, parseRevocationFile, type RevocationFileContents } from './file-source.js';
export type { FileReloadResult } from './file-watcher.js';
export type { RedisBlocksEvent } from './redis-blocks.js';
export { RevocationStore, type RevocationStoreOptions } from './revocation-store.js';
export { BLOCK_SCHEMA, REVOCATION_FILE_SCHEMA } from './schema.js';
export { BLOCK_KINDS, type Block, type BlockInput, type BlockKind, type BlockSource, type BlockTarget, type RevocationCheck, type RevocationSubject } from './types.js';
