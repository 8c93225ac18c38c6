/** Where older callers find `batch decrypt`: it lives in services/batch/decrypt.ts now. */
export { decryptBatchFile, type DecryptRequest, type DecryptResult } from './batch/decrypt.js';
