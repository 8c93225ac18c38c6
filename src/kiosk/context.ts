import type { Inventory } from '../services/home.js';

/** What every screen gets: the inventory (through services only), the kiosk clock, a refresh hook. */
export interface KioskContext {
  inventory: Inventory;
  now: () => number;
  /** Something changed: refresh the header counts. */
  changed: () => void;
  rosterSize: number;
}
