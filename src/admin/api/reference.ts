/** A readable reference page of the admin API, rendered from its OpenAPI document (no script, escaped). */
import type { openApiDocument } from './openapi.js';

type Doc = ReturnType<typeof openApiDocument>;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function referencePage(doc: Doc): string {
  const rows = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, raw]) => {
      const op = raw as {
        summary: string;
        security: Array<{ clientCredentials: string[] }>;
        parameters: Array<{ name: string; in: string }>;
      };
      const params = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${esc(path)}</code></td><td>${esc(op.summary)}</td><td>${esc(
        op.security[0].clientCredentials.join(' '),
      )}</td><td>${esc(params.join(', '))}</td></tr>`;
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}</title><link rel="stylesheet" href="/assets/wayfinder.css"></head>
<body><main class="card wide" aria-labelledby="title"><h1 id="title">${esc(doc.info.title)}</h1><p>${esc(doc.info.description)}</p>
<p>Base URL: <code>${esc(doc.servers[0].url)}</code> · <a href="openapi.json">openapi.json</a> (OpenAPI ${esc(doc.openapi)})</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Scope</th><th>Query</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</main></body></html>`;
}
