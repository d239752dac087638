// The report as one self-contained HTML file: inline CSS, inline SVG charts, no scripts,
// nothing fetched. Same content as report.md (both render buildReportModel).
import { buildReportModel } from './markdown.js';
import type { Results } from '../model/results.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

const STYLE = `
  body { margin: 0; background: #fff; color: #1a1a1a; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
  main { max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }
  h1 { font-size: 1.7rem; margin: 0 0 12px; }
  h2 { font-size: 1.3rem; margin: 32px 0 8px; border-bottom: 1px solid #e5e5e5; padding-bottom: 4px; }
  h3 { font-size: 1.05rem; margin: 20px 0 6px; }
  .warning { background: #fff4e5; border-left: 4px solid #d62728; padding: 8px 12px; font-weight: 600; }
  .verdict { font-size: 1.05rem; }
  .note { color: #555; font-size: 0.9rem; }
  ul { padding-left: 1.2em; }
  code { font: 0.9em "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0; }
  th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
  details { margin: 8px 0; } summary { cursor: pointer; color: #333; }
  th { background: #f6f6f6; }
  td.ok { color: #2b8a3e; font-weight: 700; } td.bad { color: #c92a2a; font-weight: 700; }
  figure { margin: 24px 0; }
  figure svg { max-width: 100%; height: auto; display: block; }
  figcaption { color: #555; font-size: 0.9rem; margin-top: 4px; }
`;

function table(header: string[], rows: string[][], id?: string): string {
  const cell = (text: string) => {
    const cls = text === '✓' ? ' class="ok"' : text === '✗' ? ' class="bad"' : '';
    return `<td${cls}>${escapeHtml(text)}</td>`;
  };
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<div class="scroll"${id ? ` id="${id}"` : ''}><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

/** Drops the XML prolog if a renderer adds one: it is not allowed inside an HTML document. */
const inlineSvg = (svg: string) => svg.replace(/^\s*<\?xml[^>]*>\s*/, '');

export function renderHtml(results: Results, charts: { name: string; title: string; svg: string }[]): string {
  const m = buildReportModel(results);
  const parts: string[] = [`<h1>${escapeHtml(m.title)}</h1>`];
  if (m.warning) parts.push(`<p class="warning" role="alert">${escapeHtml(m.warning)}</p>`);
  if (m.go) parts.push(`<p class="go"><strong>Go:</strong> ${escapeHtml(m.go)}</p>`);
  if (m.stopped) parts.push(`<p class="stopped"><strong>Repetitions:</strong> ${escapeHtml(m.stopped)}</p>`);
  parts.push(`<p class="verdict">${escapeHtml(m.verdict)}</p>`);
  parts.push('<h2>Setup</h2>', `<ul>${m.setup.map(([label, value]) => `<li><strong>${escapeHtml(label)}:</strong> ${escapeHtml(value)}</li>`).join('\n')}</ul>`);
  const variants = m.variants.map(
    (v) => `<li><strong>${escapeHtml(v.name)}</strong>: ${escapeHtml(v.description || '—')}${v.env ? ` (env <code>${escapeHtml(v.env)}</code>)` : ''}</li>`,
  );
  parts.push('<h3>Variants</h3>', `<ul>${variants.join('\n')}</ul>`);
  if (m.frontier) parts.push(`<h2>${escapeHtml(m.frontier.title)}</h2>`, table(m.frontier.header, m.frontier.rows), `<p class="note">${escapeHtml(m.frontier.note)}</p>`);
  parts.push('<h2>Results</h2>', table(m.summary.header, m.summary.rows, 'results'), `<p class="note">${escapeHtml(m.summary.note)}</p>`);
  parts.push(`<details id="detail"><summary>Restarts, GC, latency and errors</summary>\n${table(m.detail.header, m.detail.rows)}\n</details>`);
  for (const [title, id, extra] of [['GC and CPU', 'gc-cpu', m.gcCpu], ['Resize', 'resize', m.resize], ['Go releases', 'go-releases', m.goReleases], ['Conditions', 'conditions', m.conditions], ['Harness faults', 'harness-faults', m.harnessFaults]] as const) {
    if (extra) parts.push(`<h3>${title}</h3>`, table(extra.header, extra.rows, id), `<p class="note">${escapeHtml(extra.note)}</p>`);
  }
  if (charts.length) {
    parts.push('<h2>Charts</h2>');
    for (const c of charts) {
      parts.push(`<figure id="${escapeHtml(c.name.replace(/\.svg$/, ''))}">\n${inlineSvg(c.svg)}\n<figcaption>${escapeHtml(c.title)}</figcaption>\n</figure>`);
    }
  }
  parts.push('<h2>Repetitions</h2>', `<details id="repetitions"><summary>${m.runs.rows.length} repetitions, one row each</summary>\n${table(m.runs.header, m.runs.rows)}\n</details>`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(m.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...parts,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
