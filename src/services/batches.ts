/** Where the kiosk and older callers find the batch lifecycle: it lives in services/batch/lifecycle.ts now. */
export {
  countWaitingForExport,
  findBatch,
  listBatches,
  listWaitingAssignments,
  markUploaded,
  showBatch,
  voidBatch,
  type BatchDetails,
  type BatchRecord,
  type BatchRowView,
  type BatchView,
  type MarkUploadedRequest,
  type MarkUploadedResult,
  type VoidRequest,
  type VoidResult,
  type WaitingAssignment,
} from './batch/lifecycle.js';
