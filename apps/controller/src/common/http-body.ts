import { HttpStatus } from '@nestjs/common';

/** What the body checks read of a request (Express's, without depending on its types). */
interface BodyRequest {
  method: string;
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The largest JSON body of most routes. */
export const DEFAULT_BODY_LIMIT = 100 * 1024;
/**
 * The largest JSON body of the routes that carry a scan's options or a list of host ids: 10,000
 * host ids (390 KB as JSON) with a full scan (64 paths and 256 exclude patterns of up to 4,096
 * characters: 1.3 MB).
 */
export const LARGE_BODY_LIMIT = 2 * 1024 * 1024;
const LARGE_BODY_ROUTES = /^\/api\/v1\/(campaigns|schedules|hosts\/[^/]+\/scans)\/?$/;

/** A client error in the shape body-parser's (http-errors) have; the HTTP filter answers it as is. */
export class HttpClientError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

export function bodyLimitOf(req: BodyRequest): number {
  const path = req.originalUrl.split('?')[0];
  return req.method === 'POST' && LARGE_BODY_ROUTES.test(path)
    ? LARGE_BODY_LIMIT
    : DEFAULT_BODY_LIMIT;
}

/**
 * body-parser's `verify` hook: the parser itself reads at most LARGE_BODY_LIMIT, and this holds
 * every other route to DEFAULT_BODY_LIMIT (checked on the bytes read, so a chunked body counts).
 */
export function verifyBodyLimit(req: BodyRequest, _res: unknown, body: Buffer): void {
  const limit = bodyLimitOf(req);
  if (body.length > limit) throw tooLarge(limit);
}

export function tooLarge(limit: number): HttpClientError {
  return new HttpClientError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    `request body is larger than this route's limit of ${limit} bytes`,
    'entity.too.large',
  );
}

/**
 * Express middleware: a request with a body must send it as application/json (the only parser
 * registered); anything else (a form, text) is a 415 instead of an empty DTO.
 */
export function requireJsonBody(
  req: BodyRequest,
  _res: unknown,
  next: (error?: unknown) => void,
): void {
  if (!hasBody(req)) return next();
  const contentType = header(req, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') return next();
  next(
    new HttpClientError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      `request bodies must be application/json, got ${mediaType ? `"${mediaType.slice(0, 100)}"` : 'no Content-Type'}`,
      'content-type.unsupported',
    ),
  );
}

function hasBody(req: BodyRequest): boolean {
  if (header(req, 'transfer-encoding') !== undefined) return true;
  const length = header(req, 'content-length');
  return length !== undefined && length.trim() !== '0';
}

function header(req: BodyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The status and message of a client error raised by body-parser (413 too large, 415 bad
 * encoding or charset, 400 malformed JSON) or by the checks above; undefined for anything else.
 */
export function clientErrorOf(error: unknown): { status: number; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const { status, expose, type, limit } = error as Error & {
    status?: unknown;
    expose?: unknown;
    type?: unknown;
    limit?: unknown;
  };
  if (expose !== true || typeof status !== 'number' || status < 400 || status > 499)
    return undefined;
  if (type === 'entity.too.large' && typeof limit === 'number') return tooLarge(limit);
  return { status, message: error.message };
}
