/** One error path for HTTP: routes throw HttpError; the middleware renders `{"error":{code,message}}`. */
import type { ErrorRequestHandler, RequestHandler } from 'express';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No API route ${req.method} ${req.originalUrl.split('?')[0]}.`));
};

export function errorMiddleware(log: (message: string) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    // body-parser errors carry a status (malformed JSON, too large); say what was wrong, nothing more.
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (error as { type?: string }).type;
      const message = type === 'entity.too.large' ? 'Request body is too large.' : type === 'entity.parse.failed' ? 'Request body is not valid JSON.' : 'Bad request.';
      res.status(status).json({ error: { code: 'bad_request', message } });
      return;
    }
    // Anything else is ours: log it, never send a stack to the client.
    log(`HTTP 500: ${(error as Error).stack ?? String(error)}`);
    res.status(500).json({ error: { code: 'internal', message: 'Internal server error; the server log has the details.' } });
  };
}
