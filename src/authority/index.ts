export { authorizeAndSign, resolveExpiry, type AuthorityDependencies, type CallContext, type SignRequest, type SignResult } from './authority.js';
