/** The scanner folder's public face: what the kiosk, the CLI and doctor import. */
export type { ScanEvent, ScanOrigin, ScanSource, ScannerMode, ScannerStatus, Unsubscribe } from './types.js';
export { createScanSource, type ScanSourceOptions } from './createScanSource.js';
export { parseScannerSpec, describeScannerSpec, ScannerSpecError, type ScannerSpec } from './scannerSpec.js';
export { WedgeDetector, type WedgeOutput, type WedgeDetectorOptions } from './wedgeDetector.js';
export { DuplicateScanGuard, type DuplicateScanGuardOptions } from './duplicateScanGuard.js';
export { ReplayScanSource } from './replayScanSource.js';
export { HidScanSource } from './hidScanSource.js';
export { scannerStatusText, scanLine } from './statusText.js';
export { listScanners, scannerDoctorReport, type ScannerListing, type ListedDevice } from './scannerReport.js';
export type { HidModule, HidDeviceInfo, HidDeviceHandle, LoadHid } from './nodeHid.js';
