/**
 * The operations API (issue 12), mounted under /api:
 *   GET  /operations?status=open|handed-over|closed|active&env=&severity=&owner=&q=   list, newest change first
 *   POST /operations                          start one (StartOperationRequest) → 201 Operation
 *   GET  /operations/:id?since=N              the operation and its timeline (after seq N)
 *   POST /operations/:id/events               record a note, a ticked step or a runbook opened from it
 *   POST /operations/:id/join | handover | resume | close
 *   GET  /operations/:id/export?format=md|html|json[&inline=1]   the signed report
 *   GET  /operations/signing-key              the public key exports are signed with
 *   POST /operations/verify  (text/plain: the exported file) → VerifyResult
 */
import express, { Router, type Request, type Response } from 'express';
import * as z from 'zod';
import type { ManifestStore } from '../execution/manifestStore';
import { HttpError } from '../http/errors';
import { identityOf } from '../http/routes';
import { exportDocument } from './export/document';
import { renderHtml, renderMarkdown } from './export/render';
import { signJson, signText, verifyExport, type SigningKey } from './export/signing';
import type { OperationService } from './service';
import { SEVERITIES, type OperationList } from './types';

export interface OperationRouteDeps {
  readonly operations: OperationService;
  readonly manifest: ManifestStore;
  readonly key: SigningKey;
  readonly now: () => Date;
  /** Where operators reach Opsbook, for absolute links in exports. */
  readonly publicUrl?: string;
}

const text = (max: number) => z.string().trim().max(max);
const startSchema = z.strictObject({
  title: text(200).min(1, 'give the operation a title'),
  severity: z.enum(SEVERITIES),
  env: z.string().min(1).max(64),
  origin: z.string().max(200).optional(),
  runbook: z.string().max(200).nullable().optional(),
  params: z.record(z.string().max(64), z.string().max(500)).refine((p) => Object.keys(p).length <= 20, 'at most 20 parameters').optional(),
  checks: z.array(z.string().max(300)).max(100).optional(),
});
const recordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('note'), text: text(4000).min(1, 'write the note first'), runbook: z.string().min(1).max(200).optional() }),
  z.strictObject({ kind: z.literal('step'), runbook: z.string().min(1).max(200), step: z.string().min(1).max(200), title: text(300), done: z.boolean() }),
  z.strictObject({ kind: z.literal('link'), runbook: z.string().min(1).max(200), path: z.string().min(1).max(500).regex(/^\//, 'a path on this site'), title: text(300) }),
]);
const noteSchema = z.strictObject({ note: text(4000).default('') });
const handoverSchema = z.strictObject({ to: z.string().trim().min(1, 'name who takes it over').max(200), note: text(4000).min(1, 'write a handover note: what is done, what is left') });
const listSchema = z.object({
  status: z.enum(['open', 'handed-over', 'closed', 'active']).optional(),
  env: z.string().max(64).optional(),
  severity: z.enum(SEVERITIES).optional(),
  owner: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
const exportSchema = z.object({ format: z.enum(['md', 'html', 'json']).default('html'), inline: z.enum(['0', '1']).optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new HttpError(400, 'bad_request', `${i.path.join('.') || 'body'}: ${i.message}.`);
}

const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (e?: unknown) => void) => void fn(req, res).catch(next);

/** A file name from the title: letters, digits and dashes only. */
const fileNameOf = (id: string, title: string, ext: string) => `${id}-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'operation'}.${ext}`;

export function operationsRouter(deps: OperationRouteDeps): Router {
  const router = Router();
  const ops = deps.operations;

  router.get('/operations', handle(async (req, res) => {
    const f = parse(listSchema, req.query);
    const operations = await ops.list(identityOf(res), {
      limit: f.limit, ...(f.status ? { status: f.status } : {}), ...(f.env ? { env: f.env } : {}), ...(f.severity ? { severity: f.severity } : {}), ...(f.owner ? { owner: f.owner } : {}), ...(f.q ? { q: f.q } : {}),
    });
    res.json({ operations } satisfies OperationList);
  }));
  router.post('/operations', handle(async (req, res) => {
    const body = parse(startSchema, req.body);
    res.status(201).json(await ops.start(identityOf(res), { ...body, runbook: body.runbook ?? null }));
  }));
  router.get('/operations/signing-key', (_req, res) => {
    res.json({ alg: 'Ed25519', keyId: deps.key.keyId, publicKey: deps.key.publicKey });
  });
  // Reports can be larger than the API's JSON limit: the file is sent as text, as it was exported.
  router.post('/operations/verify', express.text({ type: 'text/plain', limit: '8mb' }), (req, res) => {
    if (typeof req.body !== 'string' || req.body.length === 0) throw new HttpError(400, 'bad_request', 'Send the exported file as the request body (Content-Type: text/plain).');
    res.json(verifyExport(req.body, [deps.key.keyId]));
  });
  router.get('/operations/:id', handle(async (req, res) => {
    const since = parse(z.coerce.number().int().min(0).default(0), req.query.since);
    res.json(await ops.detail(identityOf(res), String(req.params.id), since));
  }));
  router.post('/operations/:id/events', handle(async (req, res) => {
    res.status(201).json(await ops.record(identityOf(res), String(req.params.id), parse(recordSchema, req.body)));
  }));
  router.post('/operations/:id/join', handle(async (_req, res) => {
    res.json(await ops.join(identityOf(res), String(_req.params.id)));
  }));
  router.post('/operations/:id/handover', handle(async (req, res) => {
    const body = parse(handoverSchema, req.body);
    res.json(await ops.handover(identityOf(res), String(req.params.id), body.to, body.note));
  }));
  router.post('/operations/:id/resume', handle(async (req, res) => {
    res.json(await ops.resume(identityOf(res), String(req.params.id), parse(noteSchema, req.body ?? {}).note));
  }));
  router.post('/operations/:id/close', handle(async (req, res) => {
    res.json(await ops.close(identityOf(res), String(req.params.id), parse(noteSchema, req.body ?? {}).note));
  }));
  router.get('/operations/:id/export', handle(async (req, res) => {
    const q = parse(exportSchema, req.query);
    const identity = identityOf(res);
    const { operation, events } = await ops.detail(identity, String(req.params.id));
    const doc = exportDocument({ operation, events, manifest: deps.manifest.current(), manifestSha256: deps.manifest.hash(), by: { user: identity.user, displayName: identity.displayName }, at: deps.now(), ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) });
    const meta = { operation: operation.id, commit: doc.site.commit };
    const [body, type, ext] =
      q.format === 'json'
        ? [`${JSON.stringify(signJson(doc, deps.key), null, 2)}\n`, 'application/json', 'json']
        : q.format === 'md'
          ? [signText(renderMarkdown(doc), { ...meta, format: 'markdown' }, deps.key), 'text/markdown', 'md']
          : [signText(renderHtml(doc), { ...meta, format: 'html' }, deps.key), 'text/html', 'html'];
    res.setHeader('Content-Type', `${type}; charset=utf-8`);
    res.setHeader('Content-Disposition', `${q.inline === '1' ? 'inline' : 'attachment'}; filename="${fileNameOf(operation.id, operation.title, ext)}"`);
    // The report is a document, not part of the app: it may not run scripts even if a note tried to inject one.
    if (q.format === 'html') res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    res.send(body);
  }));
  return router;
}
