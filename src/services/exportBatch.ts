/** Where the kiosk and older callers find the export: it lives in services/batch/ now. */
export { exportBatch, exportEncryptedBatch } from './batch/export.js';
export { EXPORT_STEPS, type EncryptedExportRequest, type ExportFaults, type ExportRequest, type ExportResult, type ExportStep } from './batch/types.js';
export { sweepOrphanedBatchFiles, type OrphanReport } from './batch/orphans.js';
export { findBatch, type BatchRecord } from './batch/find.js';
export { normaliseSince, type WaitingFilter } from './batch/waiting.js';
export { manifestFileName } from './batch/names.js';
export type { BatchManifest, EncryptedFileInfo } from '../formats/manifest.js';
