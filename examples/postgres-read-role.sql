-- The role for an Opsbook PostgreSQL read profile: it may read the runbooks' schemas and nothing else.
--
-- Why a dedicated role: read snippets run in a READ ONLY transaction, but that does not stop a superuser
-- (or a member of pg_read_server_files, pg_write_server_files, pg_execute_server_program) from reading
-- server files or running programs (COPY … TO PROGRAM, pg_read_file). `npm start -- --check-config` and
-- server start refuse such a role for a production environment and warn for the others.
--
-- Run as an administrator, once per database (psql -v schema=ecomm_src -v password=… -f this file):
--   psql "$ADMIN_URL" -v schema=ecomm_src -v password="$OPSBOOK_READ_PASSWORD" -f examples/postgres-read-role.sql
-- then use postgres://opsbook_read:<password>@host:5432/<database> as the connection's url.
-- `npm run dev:postgres` does the same for the local dev database (no password: trust auth on loopback).

\set ON_ERROR_STOP on

SELECT 'CREATE ROLE opsbook_read LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsbook_read') \gexec
ALTER ROLE opsbook_read WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
-- Belt and braces: every session of the role starts read-only, even outside Opsbook's own transactions.
ALTER ROLE opsbook_read SET default_transaction_read_only = on;
ALTER ROLE opsbook_read SET statement_timeout = '5min';

GRANT USAGE ON SCHEMA :"schema" TO opsbook_read;
GRANT SELECT ON ALL TABLES IN SCHEMA :"schema" TO opsbook_read;
-- Tables created later by the schema's owner are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA :"schema" GRANT SELECT ON TABLES TO opsbook_read;
