/** Where older callers find the age helpers: they live in services/batch/encryption.ts now. */
export * from './batch/encryption.js';
