/**
 * SQL the classifier must get right, each with the kinds of its statements and whether a service-team
 * read step may run it. One list for the classifier's own test, the linter's and the server policy's,
 * so the build and the server never disagree.
 */
import type { StatementKind } from '../sqlClassify';

export interface SqlFixture {
  readonly name: string;
  readonly sql: string;
  readonly kinds: readonly StatementKind[];
  /** Refused in a role="service-team" mode=read step (linter error, server `forbidden`). */
  readonly refusedInServiceTeamRead: boolean;
}

export const SQL_FIXTURES: readonly SqlFixture[] = [
  { name: 'a plain select', sql: 'select order_id from orders where d = 1', kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'keywords in comments and strings', sql: "-- drop table x\n/* delete from t */ select 'delete from t', \"create\" from t", kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'the comment-marker-in-a-string DDL bypass', sql: "select '--' as a; CREATE TABLE training.x AS SELECT 1", kinds: ['read', 'ddl'], refusedInServiceTeamRead: true },
  { name: 'a semicolon hidden in a string', sql: "select ';' as a; drop table training.x", kinds: ['read', 'ddl'], refusedInServiceTeamRead: true },
  { name: "an E'' string with an escaped quote", sql: "select E'it\\'s -- not a comment'; create table t (a int)", kinds: ['read', 'ddl'], refusedInServiceTeamRead: true },
  { name: 'a doubled quote in a string', sql: "select 'it''s; fine' as a", kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'a quoted identifier holding a semicolon', sql: 'select 1 as "a;b"; create view v as select 1', kinds: ['read', 'ddl'], refusedInServiceTeamRead: true },
  { name: 'a dollar-quoted string', sql: "select $q$ it's; drop table x $q$ as body", kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'nested block comments', sql: 'select 1 /* outer /* inner */ still comment; drop table x */', kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'a DO block', sql: "DO $$ begin execute 'create table training.x as select 1'; end $$", kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: 'EXPLAIN without ANALYZE', sql: 'explain delete from orders', kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'EXPLAIN ANALYZE of a write', sql: 'explain analyze delete from orders', kinds: ['write'], refusedInServiceTeamRead: false },
  { name: 'EXPLAIN (ANALYZE) of a select', sql: 'explain (analyze, buffers) select 1', kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'EXPLAIN (ANALYZE true) of DDL', sql: 'explain (analyze true) create table t as select 1', kinds: ['ddl'], refusedInServiceTeamRead: true },
  { name: 'CALL of a procedure', sql: 'call ops.rebuild(1)', kinds: ['write'], refusedInServiceTeamRead: false },
  { name: 'COPY TO PROGRAM', sql: "copy (select 1) to program 'curl http://x'", kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: 'COPY FROM a server file', sql: "copy orders from '/etc/passwd'", kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: 'COPY TO STDOUT', sql: 'copy orders to stdout', kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'COPY FROM STDIN', sql: 'copy orders from stdin', kinds: ['write'], refusedInServiceTeamRead: false },
  { name: 'MERGE', sql: 'merge into t using s on t.id = s.id when matched then update set a = s.a', kinds: ['write'], refusedInServiceTeamRead: false },
  { name: 'a CTE that deletes', sql: 'with x as (delete from t returning *) select count(*) from x', kinds: ['write'], refusedInServiceTeamRead: false },
  { name: 'a CTE with FOR UPDATE is a read', sql: 'with x as (select * from t for update) select * from x', kinds: ['read'], refusedInServiceTeamRead: false },
  { name: 'SELECT INTO creates a table', sql: 'select * into training.copy from orders', kinds: ['ddl'], refusedInServiceTeamRead: true },
  { name: 'transaction control', sql: 'commit; delete from orders', kinds: ['transaction-control', 'write'], refusedInServiceTeamRead: true },
  { name: 'pg_read_file', sql: "select pg_read_file('/etc/passwd')", kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: 'a snippet terminating its own backend', sql: 'select pg_terminate_backend(pg_backend_pid())', kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: "DuckDB's database list (file paths)", sql: 'select * from duckdb_databases()', kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: 'DuckDB pragma_database_list', sql: 'select file from pragma_database_list', kinds: ['unsafe'], refusedInServiceTeamRead: true },
  { name: 'a DuckDB temp macro', sql: 'create temp macro m(a) as a + 1', kinds: ['ddl'], refusedInServiceTeamRead: true },
  { name: 'CHECKPOINT', sql: 'checkpoint', kinds: ['write'], refusedInServiceTeamRead: false },
  { name: 'PRAGMA', sql: 'pragma database_list', kinds: ['session'], refusedInServiceTeamRead: false },
  { name: 'SET', sql: "set search_path = 'x'", kinds: ['session'], refusedInServiceTeamRead: false },
];
