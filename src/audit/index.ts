export { createAuditLog, type AuditLog, type AuditRecord } from './audit-log.js';
