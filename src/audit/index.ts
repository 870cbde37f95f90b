export { createAuditLog, type AuditLog, type AuditRecord, type RevocationAuditRecord } from './audit-log.js';
