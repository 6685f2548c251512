/**
 * Bulk work (writing and reading file chunks, deleting a blob's chunks) is marked as such,
 * so that on the embedded database, which has one connection, a request's short queries go
 * ahead of the bulk statements queued before them (see pglite-pool.ts). The mark follows
 * the work through its awaits. On PostgreSQL (a pool of connections) it changes nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const bulkWork = new AsyncLocalStorage<true>();

/** Runs `fn` as bulk work: what it sends to the embedded database waits behind interactive queries. */
export const asBulk = <T>(fn: () => Promise<T>): Promise<T> => bulkWork.run(true, fn);

/** Whether the caller runs as bulk work. */
export const isBulk = (): boolean => bulkWork.getStore() === true;
