/**
 * A client of the Tableau REST API for what runbooks do with extracts: sign in with a personal access token
 * (POST /api/{ver}/auth/signin), find a data source or workbook by name (a `name:eq:` filter, paged), refresh
 * its extract (POST …/datasources/{id}/refresh or …/workbooks/{id}/refresh, answered with a job), follow the
 * job (GET …/jobs/{id}), read the latest refresh jobs (GET …/jobs with a filter), and ask what a published data
 * source holds through the VizQL Data Service (POST /api/v1/vizql-data-service/query-datasource, the same
 * session token in X-Tableau-Auth: it is versioned apart from the REST API). JSON throughout
 * (Accept: application/json). A token that expired or was revoked (401) signs in again once; a 429 is retried
 * after its Retry-After through an injected sleep, so tests never wait on a clock.
 */
import { ConnectorError } from '../../types';
import { cancellableSleep } from '../../cancellableSleep';

export interface TableauClientOptions {
  /** e.g. https://tableau.company.com */
  readonly url: string;
  /** The site's content URL; '' for the Default site. */
  readonly site: string;
  readonly tokenName: string;
  readonly tokenSecret: string;
  readonly apiVersion: string;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly maxRetries?: number;
}

export type ItemKind = 'datasource' | 'workbook';

export interface TableauItem {
  readonly kind: ItemKind;
  readonly id: string;
  readonly name: string;
  readonly project: string | null;
  readonly updatedAt: string | null;
  /** Data sources only: whether it holds an extract at all (a live connection has nothing to refresh). */
  readonly hasExtracts: boolean | null;
  readonly webpageUrl: string | null;
}

/** finishCode of Query Job: 0 success, 1 failed, 2 cancelled; absent while the job runs. */
export interface TableauJob {
  readonly id: string;
  readonly type: string | null;
  readonly progress: number | null;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly finishCode: number | null;
  readonly notes: readonly string[];
}

/** One row of Query Jobs (backgroundJob): status is Pending, InProgress, Success, Failed or Cancelled. */
export interface TableauJobSummary {
  readonly id: string;
  readonly status: string;
  readonly jobType: string;
  readonly title: string | null;
  readonly subtitle: string | null;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
}

/** One field of a VizQL Data Service query: a caption as the data source shows it, aggregated or not. */
export interface VdsField {
  readonly fieldCaption: string;
  readonly function?: string;
  /** The name the answer keys the field's values by (and the grid's column). */
  readonly fieldAlias: string;
}

export interface TableauClient {
  find(kind: ItemKind, name: string, project: string | null, signal: AbortSignal): Promise<TableauItem>;
  refresh(item: TableauItem, signal: AbortSignal): Promise<TableauJob>;
  job(id: string, signal: AbortSignal): Promise<TableauJob>;
  /** Cancel Job (PUT …/jobs/{id}): asks Tableau to stop a queued or running refresh. */
  cancel(id: string, signal: AbortSignal): Promise<void>;
  /** The latest extract refresh jobs of an item, newest first; null when the token may not list jobs (403). */
  refreshJobs(item: TableauItem, limit: number, signal: AbortSignal): Promise<readonly TableauJobSummary[] | null>;
  /** Query Data Source of the VizQL Data Service: the rows of the fields asked for, each keyed by its alias. */
  queryDatasource(item: TableauItem, fields: readonly VdsField[], signal: AbortSignal): Promise<readonly Readonly<Record<string, unknown>>[]>;
  /** Signs in and says what answered: proves URL, site and token together, changing nothing. */
  probe(signal: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface Session {
  readonly token: string;
  readonly siteId: string;
}
const PAGE = 100;


/** A value in a Tableau filter expression: commas and colons are the syntax, so they are escaped with a backslash. */
export const filterValue = (v: string) => v.replace(/([\\,:])/g, '\\$1');

export function createTableauClient(options: TableauClientOptions): TableauClient {
  const api = `${options.url.replace(/\/+$/, '')}/api/${options.apiVersion}`;
  const sleep = options.sleep ?? cancellableSleep;
  const maxRetries = options.maxRetries ?? 3;
  let session: Promise<Session> | null = null;

  const vds = `${options.url.replace(/\/+$/, '')}/api/v1/vizql-data-service`;

  async function send(method: 'GET' | 'POST' | 'PUT', path: string, body: Json | null, token: string | null, signal: AbortSignal, base = api): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { 'X-Tableau-Auth': token } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 30_000)]),
        });
      } catch (error) {
        if (signal.aborted) throw new ConnectorError('cancelled', 'Cancelled.');
        throw new ConnectorError('unavailable', `Tableau could not be reached at ${options.url}: ${(error as Error).message}`, "Check the connection's url and the network path to the Tableau Server.");
      }
      if (res.status === 429 && attempt < maxRetries) {
        // Retry-After is in seconds; without one, back off a second and more each time.
        const after = Number(res.headers.get('retry-after'));
        await res.body?.cancel();
        await sleep(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000 * (attempt + 1), signal);
        continue;
      }
      return res;
    }
  }

  async function signIn(signal: AbortSignal): Promise<Session> {
    const res = await send('POST', '/auth/signin', { credentials: { personalAccessTokenName: options.tokenName, personalAccessTokenSecret: options.tokenSecret, site: { contentUrl: options.site } } }, null, signal);
    const body = await readJson(res);
    if (!res.ok) {
      const e = errorOf(body);
      if (res.status === 401) {
        throw new ConnectorError('forbidden', `Tableau did not accept the personal access token "${options.tokenName}" for site "${options.site || 'Default'}" (HTTP 401${e.code ? `, ${e.code}` : ''})${e.detail ? `: ${e.detail}` : ''}`,
          "Check tokenName, tokenSecret and site in opsbook.config.yaml: the token must be the named one, not expired or revoked, and its owner a member of the site. A token signed in elsewhere meanwhile is signed out: tokens are not for sharing between tools.");
      }
      throw failure(res.status, e, '/auth/signin');
    }
    const credentials = (body?.credentials ?? {}) as Json;
    const site = (credentials.site ?? {}) as Json;
    if (typeof credentials.token !== 'string' || typeof site.id !== 'string') throw new ConnectorError('connector_error', 'Tableau answered the sign-in without a token or site id.');
    return { token: credentials.token, siteId: site.id };
  }

  const current = (signal: AbortSignal) => (session ??= signIn(signal).catch((error: unknown) => {
    session = null;
    throw error;
  }));

  /** A call on the site; a 401 (the session token expired or was revoked) signs in again, once. */
  async function call(method: 'GET' | 'POST' | 'PUT', sitePath: string, body: Json | null, signal: AbortSignal): Promise<Json> {
    for (let renewed = false; ; renewed = true) {
      const s = await current(signal);
      const res = await send(method, `/sites/${s.siteId}${sitePath}`, body, s.token, signal);
      const parsed = await readJson(res);
      if (res.ok) return parsed ?? {};
      if (res.status === 401 && !renewed) {
        if (session) {
          const stale = session;
          // Only the call that saw the stale token drops it; a call that already renewed keeps the new one.
          if ((await stale.catch(() => null))?.token === s.token) session = null;
        }
        continue;
      }
      throw failure(res.status, errorOf(parsed), sitePath, res.headers.get('retry-after'));
    }
  }

  function failure(status: number, e: { code: string | null; summary: string | null; detail: string | null }, path: string, retryAfter: string | null = null): ConnectorError {
    const said = e.detail ? `: ${e.detail}` : e.summary ? `: ${e.summary}` : '';
    const code = e.code ? ` ${e.code}` : '';
    switch (status) {
      case 401:
        return new ConnectorError('forbidden', `Tableau refused the session twice (HTTP 401${code})${said}`, 'Check that the personal access token is still valid and not used by another tool at the same time.');
      case 403:
        return new ConnectorError('forbidden', `Tableau refused ${path} (HTTP 403${code})${said}`, "The token's owner needs permission to refresh this item's extract (owner, project leader or administrator).");
      case 404:
        return new ConnectorError('connector_error', `Tableau has no ${path} on site "${options.site || 'Default'}" (HTTP 404${code})${said}`, 'Check the name and the site in the connection.');
      case 409:
        return new ConnectorError('connector_error', `Tableau did not start the refresh (HTTP 409${code})${said}`, 'A refresh of this extract is probably already queued or running: follow it with the status block instead of starting another.');
      case 429:
        return new ConnectorError('unavailable', `Tableau kept answering "too many requests" (HTTP 429${code})${said}`, `Try again in ${retryAfter ?? 'a few'} seconds.`);
      default:
        return new ConnectorError(status >= 500 ? 'unavailable' : 'connector_error', `Tableau answered HTTP ${status}${code} for ${path}${said}`);
    }
  }

  /** VizQL Data Service errors are {errorCode, message, tab-error-code}, not the REST API's {error: {…}}. */
  function vdsFailure(status: number, body: Json | null, name: string, retryAfter: string | null): ConnectorError {
    const code = str(body?.errorCode);
    const message = str(body?.message);
    const said = `(HTTP ${status}${code ? ` ${code}` : ''})${message ? `: ${message}` : ''}`;
    if (status === 400) return new ConnectorError('connector_error', `Tableau refused the query of "${name}" ${said}`, 'Check each --field: its caption as the data source shows it (Data pane), and a function its type allows.');
    if (status === 401 || status === 403) return new ConnectorError('forbidden', `Tableau did not let the token query "${name}" ${said}`, "The token's owner needs the View and API Access capabilities on the data source, and the site must have the VizQL Data Service turned on.");
    if (status === 404) return new ConnectorError('connector_error', `Tableau's VizQL Data Service did not find "${name}" or is not at ${vds} ${said}`, 'The VizQL Data Service comes with Tableau Cloud and recent Tableau Server releases; ask the Tableau administrators whether it is on.');
    if (status === 429) return new ConnectorError('unavailable', `Tableau kept answering "too many requests" to the query of "${name}" ${said}`, `The VizQL Data Service limits queries per hour; try again in ${retryAfter ?? 'a few'} seconds.`);
    return new ConnectorError(status >= 500 ? 'unavailable' : 'connector_error', `Tableau answered the query of "${name}" ${said}`);
  }

  const plural = (kind: ItemKind) => (kind === 'datasource' ? 'datasources' : 'workbooks');

  return {
    async find(kind, name, project, signal) {
      const found: TableauItem[] = [];
      for (let page = 1; ; page++) {
        const q = new URLSearchParams({ filter: `name:eq:${filterValue(name)}`, pageSize: String(PAGE), pageNumber: String(page) });
        const body = await call('GET', `/${plural(kind)}?${q.toString()}`, null, signal);
        const list = (((body[plural(kind)] ?? {}) as Json)[kind] ?? []) as Json[];
        found.push(...list.map((j) => itemOf(kind, j)));
        const total = Number(((body.pagination ?? {}) as Json).totalAvailable ?? 0);
        if (list.length === 0 || page * PAGE >= total) break;
      }
      const what = kind === 'datasource' ? 'data source' : 'workbook';
      const inProject = project ? found.filter((i) => i.project === project) : found;
      if (inProject.length === 1) return inProject[0]!;
      if (inProject.length === 0) {
        const elsewhere = found.map((i) => i.project ?? '?');
        throw new ConnectorError('connector_error', `Tableau site "${options.site || 'Default'}" has no ${what} named "${name}"${project ? ` in project "${project}"` : ''}.`,
          elsewhere.length ? `It has one in ${elsewhere.map((p) => `"${p}"`).join(', ')}: write --project with that name.` : `Check the name as the site shows it (Explore → ${kind === 'datasource' ? 'Data Sources' : 'Workbooks'}), and that the token's owner can see it.`);
      }
      throw new ConnectorError('connector_error', `Tableau site "${options.site || 'Default'}" has ${inProject.length} ${what}s named "${name}" (projects ${inProject.map((i) => `"${i.project ?? '?'}"`).join(', ')}).`, 'Name the project with --project "…" so the block refreshes the one you mean.');
    },
    async refresh(item, signal) {
      return jobOf(((await call('POST', `/${plural(item.kind)}/${item.id}/refresh`, {}, signal)).job ?? {}) as Json);
    },
    async job(id, signal) {
      return jobOf(((await call('GET', `/jobs/${id}`, null, signal)).job ?? {}) as Json);
    },
    async cancel(id, signal) {
      await call('PUT', `/jobs/${id}`, null, signal);
    },
    async refreshJobs(item, limit, signal) {
      // Query Jobs promises no order, so a page larger than asked is read and sorted newest first here.
      const q = new URLSearchParams({ filter: `jobType:eq:refresh_extracts,title:eq:${filterValue(item.name)}`, pageSize: String(Math.min(100, limit * 3)), pageNumber: '1' });
      try {
        const body = await call('GET', `/jobs?${q.toString()}`, null, signal);
        const list = (((body.backgroundJobs ?? {}) as Json).backgroundJob ?? []) as Json[];
        return list
          .map(summaryOf)
          .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
          .slice(0, limit);
      } catch (error) {
        // Listing jobs is for site administrators; the item's own updatedAt still says when it last changed.
        if (error instanceof ConnectorError && /HTTP 403/.test(error.message)) return null;
        throw error;
      }
    },
    async queryDatasource(item, fields, signal) {
      const body = { datasource: { datasourceLuid: item.id }, query: { fields: fields.map((f) => ({ fieldCaption: f.fieldCaption, ...(f.function ? { function: f.function } : {}), fieldAlias: f.fieldAlias })) }, options: { returnFormat: 'OBJECTS', debug: false } };
      for (let renewed = false; ; renewed = true) {
        const s = await current(signal);
        const res = await send('POST', '/query-datasource', body, s.token, signal, vds);
        const parsed = await readJson(res);
        if (res.ok) {
          const data = parsed?.data;
          if (!Array.isArray(data)) throw new ConnectorError('connector_error', `Tableau's VizQL Data Service answered the query of "${item.name}" without data.`);
          return (data as unknown[]).map((r) => (r && typeof r === 'object' ? (r as Json) : {}));
        }
        if (res.status === 401 && !renewed) {
          if ((await session?.catch(() => null))?.token === s.token) session = null;
          continue;
        }
        throw vdsFailure(res.status, parsed, item.name, res.headers.get('retry-after'));
      }
    },
    async probe(signal) {
      const s = await current(signal);
      return `${options.url} site "${options.site || 'Default'}" (id ${s.siteId}), REST API ${options.apiVersion}: token "${options.tokenName}" signed in`;
    },
    async close() {
      const s = session;
      session = null;
      const open = await s?.catch(() => null);
      // Signing out ends the session at once instead of leaving it to expire on the server.
      if (open) await send('POST', '/auth/signout', null, open.token, AbortSignal.timeout(5_000)).then((r) => r.body?.cancel(), () => undefined);
    },
  };
}

async function readJson(res: Response): Promise<Json | null> {
  const text = await res.text();
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Json) : null;
  } catch {
    return null;
  }
}

function errorOf(body: Json | null): { code: string | null; summary: string | null; detail: string | null } {
  const e = (body?.error ?? {}) as Json;
  return { code: str(e.code), summary: str(e.summary), detail: str(e.detail) };
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

function itemOf(kind: ItemKind, j: Json): TableauItem {
  const project = (j.project ?? {}) as Json;
  return {
    kind, id: String(j.id), name: String(j.name ?? ''), project: str(project.name), updatedAt: str(j.updatedAt),
    hasExtracts: typeof j.hasExtracts === 'boolean' ? j.hasExtracts : null, webpageUrl: str(j.webpageUrl),
  };
}

function jobOf(j: Json): TableauJob {
  const notes = ((j.statusNotes ?? {}) as Json).statusNote;
  const list = Array.isArray(notes) ? (notes as Json[]) : notes ? [notes as Json] : [];
  const refreshNotes = str(((j.extractRefreshJob ?? {}) as Json).notes);
  return {
    id: String(j.id ?? ''),
    type: str(j.type),
    progress: j.progress === undefined || j.progress === null ? null : Number(j.progress),
    createdAt: str(j.createdAt),
    startedAt: str(j.startedAt),
    completedAt: str(j.completedAt),
    finishCode: j.finishCode === undefined || j.finishCode === null ? null : Number(j.finishCode),
    notes: [...list.map((n) => str(n.text) ?? '').filter(Boolean), ...(refreshNotes ? [refreshNotes] : [])],
  };
}

function summaryOf(j: Json): TableauJobSummary {
  return { id: String(j.id), status: String(j.status ?? ''), jobType: String(j.jobType ?? ''), title: str(j.title), subtitle: str(j.subtitle), createdAt: str(j.createdAt), startedAt: str(j.startedAt), endedAt: str(j.endedAt) };
}
