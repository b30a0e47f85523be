/** What a request returned, the body as text. */
export interface Page {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
}

/**
 * A browser-like client of one app: keeps the session cookie (dropping it when a Set-Cookie
 * clears it), does not follow redirects. `headers` (say, an Origin) go with that request only.
 */
export function browser(url: string) {
  let cookie = '';
  const go = async (
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Page> => {
    const res = await fetch(url + path, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
    });
    for (const setCookie of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = setCookie.split(';').map((part) => part.trim());
      const expires = attributes.find((a) => /^expires=/i.test(a))?.slice('expires='.length);
      const cleared =
        attributes.some((a) => /^max-age=0$/i.test(a)) || Date.parse(expires ?? '') <= Date.now();
      cookie = cleared ? '' : pair;
    }
    return {
      status: res.status,
      location: res.headers.get('location'),
      headers: res.headers,
      text: await res.text(),
    };
  };
  return Object.assign(go, { cookie: () => cookie });
}
