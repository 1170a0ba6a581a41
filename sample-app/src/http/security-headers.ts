import type { NextFunction, Request, Response } from 'express';

// The pages have inline styles and one script, a file of this origin (/assets/live.js), which
// opens a WebSocket to this origin ('self' covers ws: and wss: of the same host): everything else,
// inline scripts among it, is refused.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * Headers for every response: a strict Content-Security-Policy, no framing, no MIME sniffing,
 * no referrer to other sites, and no caching (session lists must not come back from the cache
 * or the back button after signing out).
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  next();
}
