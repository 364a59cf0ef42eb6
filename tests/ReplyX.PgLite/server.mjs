// A throwaway PostgreSQL-protocol server for tests: PGlite (PostgreSQL 18 compiled to WebAssembly) with the
// vector (pgvector) and pg_trgm extensions, behind PGlite's socket server.
//   node server.mjs --port P [--host 127.0.0.1] [--data DIR] [--max-connections N]
// In memory unless --data names a folder. Prints one line "ready <port>" on stdout once it accepts
// connections; errors go to stderr. SIGTERM or SIGINT stops it (exit code 0).
//
// One PostgreSQL backend serves every connection, one exchange at a time (see ExchangeQueue): there is no
// isolation between connections. Session state (SET, temporary tables, advisory locks, LISTEN) and named
// prepared statements are shared, so two connections preparing "_p1" collide: clients must not prepare
// (Npgsql: Max Auto Prepare=0, no NpgsqlCommand.Prepare). While one connection is inside a transaction, the
// others wait for its COMMIT or ROLLBACK. COPY ... FROM STDIN cannot work (the backend reads the whole
// exchange at once) and would kill the backend: it is answered with an error instead.
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

function fail(message) {
  process.stderr.write(`pglite: ${message}\n`);
  process.exit(1);
}

const usage = 'usage: node server.mjs --port P [--host 127.0.0.1] [--data DIR] [--max-connections N]';
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      'max-connections': { type: 'string', default: '128' },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${error.message}\n${usage}`);
}

const port = Number(args.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a TCP port, not '${args.port ?? ''}'\n${usage}`);
const maxConnections = Number(args['max-connections']);
if (!Number.isInteger(maxConnections) || maxConnections < 1) fail(`--max-connections must be a positive integer\n${usage}`);

// Frontend message types that leave an extended-protocol exchange open: Parse, Bind, Describe, Execute,
// Close, Flush. The exchange ends with Sync; a Query ('Q') is one on its own.
const CONTINUES_EXCHANGE = new Set([...'PBDECH'].map((c) => c.charCodeAt(0)));
const QUERY = 'Q'.charCodeAt(0);
const SYNC = Uint8Array.of('S'.charCodeAt(0), 0, 0, 0, 4);
const COPY_FROM_STDIN = /^\s*copy\b[\s\S]*\bfrom\s+stdin\b/i;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function queryMessage(sql) {
  const text = encoder.encode(sql);
  const message = new Uint8Array(1 + 4 + text.length + 1);
  message[0] = QUERY;
  new DataView(message.buffer).setInt32(1, 4 + text.length + 1);
  message.set(text, 5);
  return message;
}
const ROLLBACK = queryMessage('ROLLBACK');

// A simple-protocol COPY ... FROM STDIN becomes a statement that fails with feature_not_supported, so the
// client gets a real ErrorResponse and ReadyForQuery (and an open transaction is aborted, as by any error).
function guardCopy(message) {
  if (message[0] !== QUERY) return message;
  const sql = decoder.decode(message.subarray(5, message.length - 1));
  if (!COPY_FROM_STDIN.test(sql)) return message;
  return queryMessage(
    "DO $$BEGIN RAISE EXCEPTION 'COPY ... FROM STDIN is not supported by this test server (PGlite): use INSERT' " +
      "USING ERRCODE = 'feature_not_supported'; END$$");
}

// Replaces pglite-socket's QueryQueueManager (same methods). Its queue runs one message at a time and only
// keeps a connection's turn inside a transaction block, so the messages of two connections' extended-protocol
// exchanges (Parse/Bind/Execute/Sync, all of Npgsql's commands) interleave once several wait behind a
// transaction: one connection's Bind meets another's Parse ("portal \"\" does not exist", wrong statements).
// Here a connection keeps the backend from its first message until its exchange ends (Sync or a Query) and
// for as long as it is inside a transaction block.
class ExchangeQueue {
  constructor(db) {
    this.db = db;
    this.queue = [];
    this.processing = false;
    this.owner = null;
  }

  enqueue(handlerId, message, onData) {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      this.processQueue();
    });
  }

  async processQueue() {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const index = this.owner === null ? 0 : this.queue.findIndex((item) => item.handlerId === this.owner);
        if (index < 0) break; // the owner's next message has not come yet: enqueue resumes
        const [item] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(guardCopy(item.message), {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }));
        } catch (error) {
          this.owner = this.db.isInTransaction() ? item.handlerId : null;
          item.reject(error);
          continue;
        }
        this.owner = CONTINUES_EXCHANGE.has(item.message[0]) || this.db.isInTransaction() ? item.handlerId : null;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }

  getQueueLength() {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId) {
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId) return true;
      item.reject(new Error('Handler disconnected'));
      return false;
    });
  }

  // Called when a connection closes: a connection that left an exchange or a transaction open must not leave
  // the backend waiting for its Sync, nor its transaction open for the others.
  async clearTransactionIfNeeded(handlerId) {
    if (this.owner !== handlerId) return;
    try {
      // Raw messages: db.exec would wait for the lock that runExclusive holds.
      await this.db.runExclusive(async () => {
        await this.db.execProtocolRawStream(SYNC, { onRawData: () => {} });
        if (this.db.isInTransaction()) await this.db.execProtocolRawStream(ROLLBACK, { onRawData: () => {} });
      });
    } catch (error) {
      process.stderr.write(`pglite: cleaning up after connection #${handlerId}: ${error?.stack ?? error}\n`);
    }
    if (this.owner === handlerId) this.owner = null;
    this.processQueue();
  }
}

process.on('uncaughtException', (error) => fail(`uncaught: ${error?.stack ?? error}`));
process.on('unhandledRejection', (error) => fail(`unhandled rejection: ${error?.stack ?? error}`));

let db;
let server;
let stopping = false;

async function stop(signal) {
  if (stopping) return;
  stopping = true;
  // A stuck close must not keep the process alive.
  setTimeout(() => {
    process.stderr.write(`pglite: did not stop within 5 s of ${signal}; exiting\n`);
    process.exit(1);
  }, 5000).unref();
  try {
    if (server) await server.stop();
    if (db) await db.close();
  } catch (error) {
    process.stderr.write(`pglite: stopping: ${error?.stack ?? error}\n`);
    process.exit(1);
  }
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

try {
  db = await PGlite.create({
    ...(args.data ? { dataDir: args.data } : {}), // none: in memory
    extensions: { vector, pg_trgm },
  });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pg_trgm;');

  server = new PGLiteSocketServer({ db, port, host: args.host, maxConnections });
  // The handlers take the server's queue when they are made, on each connection: swap it before any.
  if (!('queryQueue' in server)) throw new Error('this @electric-sql/pglite-socket has no queryQueue to replace');
  server.queryQueue = new ExchangeQueue(db);
  await server.start();
  server.addEventListener('error', (event) => {
    process.stderr.write(`pglite: socket server: ${event.detail?.stack ?? event.detail}\n`);
  });
} catch (error) {
  fail(`could not start on ${args.host}:${port}: ${error?.stack ?? error}`);
}

if (!stopping) process.stdout.write(`ready ${port}\n`);
