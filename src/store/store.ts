/**
 * The store: every query tokendesk runs, behind one object per open inventory. Each repository is
 * built on first use (a command that lists tokens never prepares the staff statements) and prepares
 * its hot statements once, with `sql.placeholder`. Services never see SQL or better-sqlite3: they
 * call repository methods, inside `write()` when several changes must land together.
 *
 * better-sqlite3 is synchronous, and so are these transactions: never await inside `write()`.
 */
import type Database from 'better-sqlite3';
import type { Db } from './connection.js';
import { AssignmentRepo } from './assignmentRepo.js';
import { AuditRepo } from './auditRepo.js';
import { BatchRepo } from './batchRepo.js';
import { ImportRepo } from './importRepo.js';
import { MetaRepo } from './metaRepo.js';
import { RosterRepo } from './rosterRepo.js';
import { SelfCheckRepo } from './selfCheckRepo.js';
import { StaffRepo } from './staffRepo.js';
import { TokenRepo } from './tokenRepo.js';

export class Store {
  #tokens?: TokenRepo;
  #assignments?: AssignmentRepo;
  #batches?: BatchRepo;
  #imports?: ImportRepo;
  #staff?: StaffRepo;
  #roster?: RosterRepo;
  #audit?: AuditRepo;
  #meta?: MetaRepo;
  #selfChecks?: SelfCheckRepo;

  constructor(
    readonly db: Db,
    private readonly sqlite: Database.Database,
  ) {}

  get tokens(): TokenRepo {
    return (this.#tokens ??= new TokenRepo(this.db));
  }
  get assignments(): AssignmentRepo {
    return (this.#assignments ??= new AssignmentRepo(this.db));
  }
  get batches(): BatchRepo {
    return (this.#batches ??= new BatchRepo(this.db));
  }
  get imports(): ImportRepo {
    return (this.#imports ??= new ImportRepo(this.db));
  }
  get staff(): StaffRepo {
    return (this.#staff ??= new StaffRepo(this.db));
  }
  get roster(): RosterRepo {
    return (this.#roster ??= new RosterRepo(this.db));
  }
  get audit(): AuditRepo {
    return (this.#audit ??= new AuditRepo(this.db));
  }
  get meta(): MetaRepo {
    return (this.#meta ??= new MetaRepo(this.db));
  }
  get selfChecks(): SelfCheckRepo {
    return (this.#selfChecks ??= new SelfCheckRepo(this.db));
  }

  /**
   * Runs `change` in one write transaction (BEGIN IMMEDIATE: the write lock is taken first, so
   * what it reads cannot change before it commits). Nested calls become savepoints.
   */
  write<T>(change: () => T): T {
    return this.db.transaction(() => change(), { behavior: 'immediate' });
  }

  /** True inside `write()`: appends to the audit trail check this. */
  get inTransaction(): boolean {
    return this.sqlite.inTransaction;
  }

  /**
   * Runs `write` with synchronous=FULL, so the commit inside it is on disk when it returns
   * (exports, key rotation, purges), then puts the connection back to NORMAL whatever happens.
   */
  durably<T>(write: () => T): T {
    this.sqlite.pragma('synchronous = FULL');
    try {
      return write();
    } finally {
      this.sqlite.pragma('synchronous = NORMAL');
    }
  }
}
