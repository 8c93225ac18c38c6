/** After the hand-out: return, lost, broken, replace, retire, restock, release, holders, drift evidence. */
export { endToken, MAX_NOTE_LENGTH, noteProblem, reportBroken, reportLost, retireToken, returnToken, tokenAtDesk, tokensHeldBy, type EndRequest, type EndResult } from './endings.js';
export { checkReplacement, replaceToken, type ReplacedCondition, type ReplaceResult } from './replace.js';
export { releaseToken, restockToken, type RestockResult } from './stock.js';
export { driftReport, findHolders, holders, type DriftReportRow, type HolderRow, type HoldersQuery } from './holders.js';
export { CLOCK_EVIDENCE, kioskClockSuspicion, setAsideCounts, type ClockSuspicion } from './evidence.js';
export { checkPreassigned, preassignedPerson } from './preassigned.js';
