/**
 * Reading a query a row at a time. Drizzle's better-sqlite3 driver has no iterate(): Drizzle builds
 * the query, better-sqlite3 walks it, and each column decodes its value as Drizzle would. Memory
 * stays flat however many rows the query returns (exports of a million hand-outs).
 */
import Database from 'better-sqlite3';
import type { Column } from 'drizzle-orm';
import type { Db } from './connection.js';

/** Rows read one at a time; close() ends the read early (and its own connection, if it had one). */
export interface RowStream<T> extends Iterable<T> {
  close(): void;
}

/** The rows of `query`, decoded by `fields` (the same object the query selects), one at a time. */
export function iterateRows<Q extends { all(): unknown[]; toSQL(): { sql: string; params: unknown[] } }>(
  db: Db,
  cache: Map<string, Database.Statement>,
  query: Q,
  fields: Record<string, Column>,
  options: { ownConnection?: boolean },
): RowStream<ReturnType<Q['all']>[number]> {
  const { sql: text, params } = query.toSQL();
  const keys = Object.keys(fields);
  const columns = keys.map((key) => fields[key]!);
  const client = db.$client;
  let reader: Database.Database | null = null;
  let rows: IterableIterator<unknown[]> | null = null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    rows?.return?.();
    reader?.close();
  };
  // Nothing is read (and no connection opened) until the first row is asked for.
  function* decoded(): Generator<ReturnType<Q['all']>[number]> {
    try {
      if (closed) return;
      let statement: Database.Statement;
      if (options.ownConnection) {
        reader = new Database(client.name, { readonly: true, fileMustExist: true });
        reader.pragma('busy_timeout = 5000');
        statement = reader.prepare(text).raw(true);
      } else {
        statement = cache.get(text) ?? client.prepare(text).raw(true);
        cache.set(text, statement);
      }
      rows = statement.iterate(...params) as IterableIterator<unknown[]>;
      for (const values of rows) {
        const row: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) {
          const value = values[i];
          row[keys[i]!] = value === null ? null : columns[i]!.mapFromDriverValue(value);
        }
        yield row as ReturnType<Q['all']>[number]; // the query's own row type: the same columns, decoded the same way
      }
    } finally {
      close();
    }
  }
  const iterator = decoded();
  return {
    [Symbol.iterator]: () => iterator,
    close: () => {
      iterator.return(undefined);
      close();
    },
  };
}
