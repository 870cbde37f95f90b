export { PolicyStore, type PolicyStoreOptions, type ReloadResult } from './policy-store.js';
