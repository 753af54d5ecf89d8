/**
 * The contract fake's answers, shaped as Snowflake's: the login data, a query result (with the session
 * state and the formatting parameters every answer carries), and the request log's redaction.
 */
import type { FakeSession } from './auth';
import type { FakeQuery, QueryBody } from './engine';

export type Json = Record<string, unknown>;

export function resultBody(query: FakeQuery, body: QueryBody, chunkRows: number, chunked: { chunks: Json[]; qrmk: string } | null): Json {
  const result = query.result!;
  const s = query.session;
  return {
    parameters: sessionParameters(s),
    rowtype: result.rowtype,
    rowset: result.rows.slice(0, chunkRows),
    total: result.rows.length,
    returned: result.rows.length,
    queryId: query.id,
    databaseProvider: null,
    finalDatabaseName: s.database,
    finalSchemaName: s.schema,
    finalWarehouseName: s.warehouse,
    finalRoleName: s.role,
    numberOfBinds: Object.keys(body.bindings ?? {}).length,
    arrayBindSupported: false,
    statementTypeId: result.statementTypeId,
    version: 1,
    sendResultTime: Date.now(),
    queryResultFormat: 'json',
    queryContext: { entries: [] },
    // With a qrmk and no chunkHeaders the driver sends the key as S3's SSE-C headers.
    ...(chunked ? { chunks: chunked.chunks, qrmk: chunked.qrmk, chunkHeaders: null } : {}),
  };
}

export function loginData(s: FakeSession): Json {
  return {
    token: s.token,
    masterToken: s.masterToken,
    validityInSeconds: 3600,
    masterValidityInSeconds: 14400,
    displayUserName: s.user,
    serverVersion: 'contract-fake',
    firstLogin: false,
    remMeToken: null,
    remMeValidityInSeconds: 0,
    healthCheckInterval: 45,
    newClientForUpgrade: null,
    sessionId: s.id,
    parameters: sessionParameters(s),
    sessionInfo: { databaseName: s.database, schemaName: s.schema, warehouseName: s.warehouse, roleName: s.role },
    idToken: null,
    idTokenValidityInSeconds: 0,
    responseData: null,
    mfaToken: null,
    mfaTokenValidityInSeconds: 0,
  };
}

/** The formatting parameters every Snowflake answer carries; the driver formats TIME with them. */
function sessionParameters(s: FakeSession): { name: string; value: string | number | boolean }[] {
  const defaults: Record<string, string | number | boolean> = {
    TIMEZONE: 'America/Los_Angeles',
    TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
    TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
    TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
    TIMESTAMP_TZ_OUTPUT_FORMAT: '',
    DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
    TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
    BINARY_OUTPUT_FORMAT: 'HEX',
    CLIENT_RESULT_CHUNK_SIZE: 160,
    CLIENT_PREFETCH_THREADS: 4,
    AUTOCOMMIT: true,
    QUERY_CONTEXT_CACHE_SIZE: 5,
  };
  for (const [k, v] of s.params) if (k in defaults) defaults[k] = v;
  return Object.entries(defaults).map(([name, value]) => ({ name, value }));
}

export function redact(body: Json): unknown {
  const data = body.data as Json | undefined;
  if (!data || typeof data !== 'object') return body;
  const copy: Json = { ...data };
  for (const key of ['PASSWORD', 'TOKEN', 'PASSCODE']) if (key in copy) copy[key] = '[redacted]';
  return { ...body, data: copy };
}
