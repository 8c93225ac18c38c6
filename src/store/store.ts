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
import { BatchFileRepo } from './batchFileRepo.js';
import { RemovalBatchRepo } from './removalBatchRepo.js';
import { GraphUploadRepo } from './graphUploadRepo.js';
import { ImportRepo } from './importRepo.js';
import { LifecycleRepo } from './lifecycleRepo.js';
import { MetaRepo } from './metaRepo.js';
import { RosterRepo } from './rosterRepo.js';
import { SeedRepo } from './seedRepo.js';
import { SelfCheckRepo } from './selfCheckRepo.js';
import { StaffRepo } from './staffRepo.js';
import { TokenRepo } from './tokenRepo.js';
import type { KeyWatch } from './keyWatch.js';
import type { SeedVault } from './seedVault.js';

/** What the store needs of the home's key: audit entries are authenticated with it. */
export interface StoreKeys {
  vault: SeedVault;
  watch: KeyWatch;
  /** HOME/audit-head.json (auditHead.ts). */
  auditHeadFile: string;
}

export class Store {
  #tokens?: TokenRepo;
  #assignments?: AssignmentRepo;
  #batches?: BatchRepo;
  #batchFiles?: BatchFileRepo;
  #removalBatches?: RemovalBatchRepo;
  #imports?: ImportRepo;
  #staff?: StaffRepo;
  #roster?: RosterRepo;
  #audit?: AuditRepo;
  #meta?: MetaRepo;
  #selfChecks?: SelfCheckRepo;
  #seeds?: SeedRepo;
  #graphUploads?: GraphUploadRepo;
  #lifecycle?: LifecycleRepo;

  constructor(
    readonly db: Db,
    private readonly sqlite: Database.Database,
    private readonly keys: StoreKeys,
  ) {}

  get tokens(): TokenRepo {
    return (this.#tokens ??= new TokenRepo(this.db, () => this.audit));
  }
  get assignments(): AssignmentRepo {
    return (this.#assignments ??= new AssignmentRepo(this.db));
  }
  get batches(): BatchRepo {
    return (this.#batches ??= new BatchRepo(this.db));
  }
  /** Every file a batch wrote, for purge and void (batchFileRepo.ts). */
  get batchFiles(): BatchFileRepo {
    return (this.#batchFiles ??= new BatchFileRepo(this.db));
  }
  /** Removals as removal batches carry them (removalBatchRepo.ts). */
  get removalBatches(): RemovalBatchRepo {
    return (this.#removalBatches ??= new RemovalBatchRepo(this.db));
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
    return (this.#audit ??= new AuditRepo(this.db, { vault: this.keys.vault, watch: this.keys.watch, meta: this.meta, headFile: this.keys.auditHeadFile }));
  }
  get meta(): MetaRepo {
    return (this.#meta ??= new MetaRepo(this.db));
  }
  get selfChecks(): SelfCheckRepo {
    return (this.#selfChecks ??= new SelfCheckRepo(this.db));
  }
  /** Sealed seeds as stored, for re-sealing them all (key rotation). */
  get seeds(): SeedRepo {
    return (this.#seeds ??= new SeedRepo(this.db));
  }

  /** Upload to Entra through Graph: the ledger, what an upload takes, removals (graphUploadRepo.ts). */
  get graphUploads(): GraphUploadRepo {
    return (this.#graphUploads ??= new GraphUploadRepo(this.db));
  }

  /** After the hand-out: ended hand-outs, removals, code checks, holders (lifecycleRepo.ts). */
  get lifecycle(): LifecycleRepo {
    return (this.#lifecycle ??= new LifecycleRepo(this.db));
  }

  /**
   * Runs `change` in one write transaction (BEGIN IMMEDIATE: the write lock is taken first, so
   * what it reads cannot change before it commits). Nested calls become savepoints. When the
   * outermost one has committed, the audit head file names the newest entry it wrote.
   */
  write<T>(change: () => T): T {
    const outermost = !this.sqlite.inTransaction;
    try {
      return this.db.transaction(() => change(), { behavior: 'immediate' });
    } finally {
      if (outermost) this.#audit?.flushHead();
    }
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

  /** Moves everything in the write-ahead log into the database file and empties the log (after key rotation). */
  checkpoint(): void {
    this.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Writes what is owed to the head file (entries appended in transactions not opened by write()), then closes. */
  close(): void {
    this.#audit?.flushHead();
    this.sqlite.close();
  }
}
