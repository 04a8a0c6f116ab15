/**
 * Where to fetch a search's `next` link: always on EPD_BASE_URL, or nowhere (undefined).
 *
 * Why re-base: a FHIR server builds its paging links from its own configured base URL, which
 * behind a proxy or under an internal service name differs from the address this service uses.
 * A link whose path lies under the base path is the same server, whatever scheme, host or port it
 * names; a link under one of the `trusted` bases (another path prefix the operator named, such as
 * `http://fhir-internal:8103/fhir/R4`) is too. Either way the request goes to EPD_BASE_URL, so the
 * token never travels to the host a link names. Anything else (another path, another scheme than
 * http(s), credentials in the link) is refused.
 */
export function rebasePageLink(link: string, baseUrl: string, trusted: readonly string[] = []): URL | undefined {
  const base = new URL(baseUrl);
  let url: URL;
  try {
    url = new URL(link, `${stripSlash(baseUrl)}/`);
  } catch {
    return undefined;
  }
  if (!isHttp(url) || url.username || url.password) return undefined;
  // Trusted bases first: they name a host as well as a path, so they are the more specific match.
  for (const other of trusted) {
    const trustedBase = new URL(other);
    if (url.origin !== trustedBase.origin) continue;
    const rest = pathBelow(url.pathname, trustedBase.pathname);
    if (rest !== undefined) return onBase(base, rest, url.search);
  }
  const own = pathBelow(url.pathname, base.pathname);
  return own === undefined ? undefined : onBase(base, own, url.search);
}

/** The part of `path` below `basePath` (`''` or `/Task…`), or undefined when it is not below it. */
function pathBelow(path: string, basePath: string): string | undefined {
  const prefix = stripSlash(basePath);
  if (path === prefix) return '';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

function onBase(base: URL, rest: string, search: string): URL {
  return new URL(`${base.origin}${stripSlash(base.pathname)}${rest}${search}`);
}

function stripSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}
