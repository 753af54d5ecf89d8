/** Request helpers shared by the two API routers: paging, query lists, and errors mapped to statuses. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Conflict, Invalid, NotFound } from '../core';

export function page(req: Request, defaultLimit: number): { limit: number; offset: number } | null {
  const limit = req.query.limit === undefined ? defaultLimit : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0) return null;
  // Both Airflows cap a page at [api] maximum_page_limit (100 by default).
  return { limit: Math.min(limit, 100), offset };
}

export function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter(Boolean);
}

/** A path parameter (Express decodes %2B and the like; run ids carry + and :). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join('/') : (v ?? '');
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Runs an async handler; the sandbox's errors become the API's error bodies. */
export function handler(fn: (req: Request, res: Response) => Promise<void>, error: (res: Response, status: number, message: string) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((e: unknown) => {
      if (e instanceof NotFound) return error(res, 404, e.message);
      if (e instanceof Conflict) return error(res, 409, e.message);
      if (e instanceof Invalid) return error(res, 400, e.message);
      next(e);
    });
  };
}

/** Keys a strict (additionalProperties: false) body does not allow. */
export function extraKeys(body: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(body).filter((k) => !allowed.includes(k));
}
