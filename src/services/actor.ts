/**
 * Who is acting, and what each role may do. Every service that changes state calls `authorise`
 * first, so a screen that forgot to hide a button still cannot do what the role may not.
 */
import { Refusal } from '../core/errors.js';

export type Role = 'staff' | 'admin';

export interface Actor {
  /** Shown in the audit log and on batches. */
  name: string;
  role: Role;
}

const PERMISSIONS = {
  'hand-out': ['staff', 'admin'],
  'undo-own-hand-out': ['staff', 'admin'],
  'undo-any-hand-out': ['admin'],
  import: ['admin'],
  export: ['admin'],
  'void-batch': ['admin'],
  'mark-uploaded': ['admin'],
  'purge-seeds': ['admin'],
  'manage-staff': ['admin'],
  'manage-roster': ['admin'],
  'manage-key': ['admin'],
  'end-hand-out': ['staff', 'admin'],
  'restock-token': ['admin'],
  'release-token': ['admin'],
  'retire-token': ['admin'],
  'view-holders': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function may(actor: Actor, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

export function authorise(actor: Actor, permission: Permission): void {
  if (!may(actor, permission)) {
    throw new Refusal('not-allowed', `${actor.name} (${actor.role}) may not ${permission.replace(/-/g, ' ')}; ask an admin`);
  }
}
