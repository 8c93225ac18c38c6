/** Where older callers find `batch merge`: it lives in services/batch/merge.ts now. */
export { MERGEABLE_FORMATS, mergeBatches, type MergeConflict, type MergeConflictKind, type MergeManifest, type MergeRequest, type MergeResult, type MergeSource } from './batch/merge.js';
export { findManifest } from './batch/manifestFiles.js';
