/**
 * Google's frontend answers a URL it cannot route with this HTML page, not a JSON envelope: unknown paths
 * do, and so may a build that the routing layer no longer knows. Clients that expect JSON choke on it.
 */
export const NOT_FOUND_PAGE_CONTENT_TYPE = 'text/html; charset=UTF-8';

export function notFoundPageHtml(pathname: string): string {
  const path = pathname.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return (
    '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
    `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${path}</code> was not found ` +
    'on this server.  <ins>That’s all we know.</ins>\n'
  );
}
