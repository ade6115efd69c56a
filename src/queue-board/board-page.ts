import type { Express, NextFunction, Request, Response } from 'express';
import { createRequire } from 'node:module';

type RenderFile = (path: string, data: object, done: (error: Error | null, html?: string) => void) => void;

/**
 * The ejs that @bull-board/express renders its page with (its own dependency, not ours): the board's
 * views keep rendering exactly as bull-board means them to, only the result is filtered.
 */
const boardRequire = createRequire(createRequire(import.meta.url).resolve('@bull-board/express'));
const ejs = boardRequire('ejs') as { renderFile: RenderFile };

/**
 * `<link>` tags that load from another origin. bull-board 9's page asks Google Fonts for IBM Plex:
 * offline that is a console error, online it tells Google about every operator's visit. Without
 * the link the page falls back to the system fonts its CSS lists next.
 */
const OUTSIDE_LINK = /<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>\s*/gi;

export function withoutOutsideLinks(html: string): string {
  return html.replace(OUTSIDE_LINK, '');
}

/** Browsers may load the board's files from this origin only: anything bull-board adds later is refused too. */
export const BOARD_SECURITY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Renders the board's page (its only view) through {@link withoutOutsideLinks}. */
export function serveBoardOffline(board: Express): void {
  board.engine('ejs', (path: string, data: object, done: (error: unknown, html?: string) => void) =>
    ejs.renderFile(path, data, (error, html) => (error ? done(error) : done(null, withoutOutsideLinks(html ?? '')))),
  );
}

/** The board's Content-Security-Policy, on every answer under its path. */
export function boardSecurityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', BOARD_SECURITY);
  next();
}
