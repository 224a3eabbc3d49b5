/**
 * A minimal cookie-keeping HTTP client that walks our server-rendered pages the way a browser
 * without JavaScript does: follows redirects on the same origin by hand, and posts forms with the
 * CSRF value found in the page.
 */
export class PageClient {
  private cookies = new Map<string, string>();
  last = { status: 0, url: '', body: '', location: '' as string | null, headers: new Headers() };
  /** Every Set-Cookie line received, in order (redirects included), with the URL that sent it. */
  setCookieLog: Array<{ url: string; line: string }> = [];

  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  cookie(name: string) {
    return this.cookies.get(name);
  }
  setCookieHeaders() {
    return this.last.headers.getSetCookie();
  }

  private store(res: Response, url: string) {
    for (const line of res.headers.getSetCookie()) {
      this.setCookieLog.push({ url, line });
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.base);
    const res = await fetch(target, {
      ...init,
      redirect: 'manual',
      headers: {
        ...this.headers,
        ...((init.headers as Record<string, string>) ?? {}),
        ...(target.origin === new URL(this.base).origin && this.cookies.size
          ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
          : {}),
      },
    });
    this.store(res, target.toString());
    const body = await res.text();
    this.last = { status: res.status, url: target.toString(), body, location: res.headers.get('location'), headers: res.headers };
    return res;
  }

  /**
   * Whether a page's self-posting "Continue" form (`data-auto-submit`, which a browser's script posts
   * at once) is posted, as a browser with JavaScript would. Off: it stays on the page.
   */
  autoSubmit = true;

  /** GET, following same-origin redirects; stops at a redirect to another origin (returns its URL). */
  async get(url: string): Promise<string> {
    let next = new URL(url, this.base).toString();
    for (let i = 0; i < 10; i += 1) {
      await this.request(next);
      const auto =
        this.autoSubmit && this.last.status === 200 ? /<form method="post" action="([^"]+)" data-auto-submit>/.exec(this.last.body) : null;
      if (auto) return this.post(auto[1].replace(/&amp;/g, '&'), {});
      if (this.last.status < 300 || this.last.status >= 400 || !this.last.location) return next;
      next = new URL(this.last.location, next).toString();
      if (new URL(next).origin !== new URL(this.base).origin) return next;
    }
    throw new Error('too many redirects');
  }

  csrf(): string {
    const m = /name="csrf" value="([^"]+)"/.exec(this.last.body);
    if (!m) throw new Error(`no CSRF field on the page at ${this.last.url} (status ${this.last.status})`);
    return m[1];
  }

  /** POSTs a form (CSRF added from the current page) and follows same-origin redirects. */
  async post(url: string, fields: Record<string, string>, opts: { csrf?: string | false } = {}): Promise<string> {
    const form = new URLSearchParams(fields);
    if (opts.csrf !== false) form.set('csrf', opts.csrf ?? this.csrf());
    const target = new URL(url, this.base).toString();
    await this.request(target, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (this.last.status >= 300 && this.last.status < 400 && this.last.location) {
      const next = new URL(this.last.location, target).toString();
      return new URL(next).origin === new URL(this.base).origin ? this.get(next) : next;
    }
    return target;
  }

  title(): string {
    const html = /<h1[^>]*>([^<]*)<\/h1>/.exec(this.last.body)?.[1] ?? '';
    return html
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
}

/** Signs in through the pages at an interaction URL; returns the URL the journey ends at. */
export async function signInWithPassword(
  client: PageClient,
  interactionUrl: string,
  email: string,
  password: string,
  opts: { remember?: boolean } = {},
) {
  const uid = new URL(interactionUrl).pathname.split('/')[2];
  await client.get(interactionUrl);
  if (client.last.body.includes('name="email"')) await client.post(`/interaction/${uid}/identify`, { email });
  return client.post(`/interaction/${uid}/password`, { password, ...(opts.remember ? { remember: 'yes' } : {}) });
}
