export type { RevocationCheck, RevocationSubject } from './types.js';
