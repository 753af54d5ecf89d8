/**
 * The export's Markdown and HTML (issue 12). The HTML is one self-contained file — inline styles, no
 * scripts, no fetches — so it opens anywhere, from a mail attachment or a ticket, light or dark, on a phone.
 */
import { describeEvent } from './describe';
import type { ExportDocument } from './document';

const severityWord = { sev1: 'SEV 1', sev2: 'SEV 2', sev3: 'SEV 3', sev4: 'SEV 4', routine: 'routine' } as const;

/** Markdown table cells: pipes and newlines would break the table. */
const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const quote = (s: string) => s.split(/\r?\n/).map((l) => `> ${l}`).join('\n');
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

function header(doc: ExportDocument): (readonly [string, string])[] {
  const o = doc.operation;
  return [
    ['Operation', o.id],
    ['Status', o.status],
    ['Severity', severityWord[o.severity]],
    ['Environment', o.env],
    ['Owner', o.owner.displayName],
    ['Participants', o.participants.map((p) => p.displayName).join(', ')],
    ['Started', `${utc(o.createdAt)} by ${o.createdBy.displayName}`],
    ...(o.closedAt ? [['Closed', utc(o.closedAt)] as const] : []),
    ['Site commit', `${doc.site.commit ?? 'unknown'}${doc.site.dirty ? ' (built from uncommitted changes)' : ''}`],
    ['Manifest sha256', doc.site.manifestSha256],
    ['Exported', `${utc(doc.exportedAt)} by ${doc.exportedBy.displayName}`],
  ];
}

const snippetState = (s: ExportDocument['snippets'][number]) => (s.current === null ? 'no longer in the site' : s.current === s.sha256 ? 'unchanged' : 'changed since');

export function renderMarkdown(doc: ExportDocument): string {
  const lines: string[] = [`# ${doc.operation.title}`, '', '| | |', '|---|---|', ...header(doc).map(([k, v]) => `| ${k} | ${mdCell(v)} |`), ''];
  lines.push(`Open it in Opsbook: ${doc.link}`, '', '## Timeline', '');
  for (const e of doc.events) {
    const d = describeEvent(e);
    lines.push(`### ${e.seq}. ${utc(e.at)} — ${d.summary}`, '');
    for (const [k, v] of d.facts) lines.push(`- **${k}:** ${k === 'sha256' || k === 'snippet' || k === 'run id' ? `\`${v}\`` : v}`);
    if (d.facts.length) lines.push('');
    if (d.text) lines.push(quote(d.text), '');
    if (d.table) {
      lines.push(`| ${d.table.columns.map(mdCell).join(' | ')} |`, `|${d.table.columns.map(() => '---').join('|')}|`);
      for (const row of d.table.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
      lines.push('');
      if (d.table.more) lines.push(`…and ${d.table.more} more row(s).`, '');
    }
  }
  lines.push('## Snippets', '', '| Snippet | sha256 it ran with | Now |', '|---|---|---|');
  for (const s of doc.snippets) lines.push(`| \`${s.key}\` | \`${s.sha256}\` | ${snippetState(s)} |`);
  if (doc.snippets.length === 0) lines.push('| (none ran) | | |');
  lines.push('', 'This report is signed by the Opsbook server. Check it with `npm run operation:verify <file>` or on the Operations page (Verify a report).', '');
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1c1e21;--muted:#5c6370;--line:#dadde1;--card:#f6f7f9;--ok:#1a7f37;--bad:#c62828;--warn:#9a6700;--info:#0b5cad}
@media (prefers-color-scheme:dark){:root{--bg:#18191a;--fg:#e3e3e3;--muted:#a8adb6;--line:#3a3d41;--card:#242526;--ok:#4ac26b;--bad:#ff7b72;--warn:#e3b341;--info:#79b8ff}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 16px 48px}h1{font-size:1.6rem;margin:0 0 4px;overflow-wrap:anywhere}h2{font-size:1.2rem;margin:32px 0 12px;border-bottom:1px solid var(--line);padding-bottom:4px}
.sub{color:var(--muted);margin:0 0 16px}dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0;padding:12px 16px;background:var(--card);border:1px solid var(--line);border-radius:8px}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
ol.timeline{list-style:none;margin:0;padding:0}ol.timeline>li{border-left:3px solid var(--line);padding:4px 0 12px 14px;margin-left:4px;position:relative}
ol.timeline>li[data-tone=ok]{border-color:var(--ok)}ol.timeline>li[data-tone=bad]{border-color:var(--bad)}ol.timeline>li[data-tone=warn]{border-color:var(--warn)}ol.timeline>li[data-tone=info]{border-color:var(--info)}
.when{color:var(--muted);font-size:.85em}.summary{font-weight:600;margin:0;overflow-wrap:anywhere}.facts{margin:4px 0 0;padding:0;list-style:none;font-size:.9em}.facts li{overflow-wrap:anywhere}.facts b{color:var(--muted);font-weight:500}
blockquote{margin:6px 0;padding:6px 12px;border-left:3px solid var(--line);background:var(--card);white-space:pre-wrap;overflow-wrap:anywhere}
.tone{font-weight:600}.tone.ok{color:var(--ok)}.tone.bad{color:var(--bad)}.tone.warn{color:var(--warn)}.tone.info{color:var(--info)}
.scroll{overflow-x:auto;margin-top:6px;border:1px solid var(--line);border-radius:6px}table{border-collapse:collapse;width:100%;font-size:.85em}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{background:var(--card)}
footer{margin-top:32px;color:var(--muted);font-size:.85em}
@media (max-width:520px){dl.meta{grid-template-columns:1fr;gap:0}dl.meta dd{margin-bottom:6px}main{padding:16px 12px 32px}}
`;

const TONE_WORD = { ok: '✓', bad: '✗', warn: '!', info: '•' } as const;

export function renderHtml(doc: ExportDocument): string {
  const o = doc.operation;
  const items = doc.events.map((e) => {
    const d = describeEvent(e);
    const facts = d.facts.length ? `<ul class="facts">${d.facts.map(([k, v]) => `<li><b>${esc(k)}:</b> ${k === 'sha256' || k === 'snippet' || k === 'run id' ? `<code>${esc(v)}</code>` : esc(v)}</li>`).join('')}</ul>` : '';
    const text = d.text ? `<blockquote>${esc(d.text)}</blockquote>` : '';
    const table = d.table
      ? `<div class="scroll"><table><thead><tr>${d.table.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${d.table.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>${d.table.more ? `<p class="when">…and ${d.table.more} more row(s).</p>` : ''}`
      : '';
    return `<li data-tone="${d.tone}"><div class="when">${e.seq}. ${esc(utc(e.at))}</div><p class="summary"><span class="tone ${d.tone}" aria-hidden="true">${TONE_WORD[d.tone]}</span> ${esc(d.summary)}</p>${facts}${text}${table}</li>`;
  });
  const snippets = doc.snippets.length
    ? `<div class="scroll"><table><thead><tr><th>Snippet</th><th>sha256 it ran with</th><th>Now</th></tr></thead><tbody>${doc.snippets.map((s) => `<tr><td><code>${esc(s.key)}</code></td><td><code>${esc(s.sha256)}</code></td><td>${esc(snippetState(s))}</td></tr>`).join('')}</tbody></table></div>`
    : '<p class="sub">No snippet ran in this operation.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(o.title)} — Opsbook operation report</title><style>${STYLE}</style></head>
<body><main>
<h1>${esc(o.title)}</h1>
<p class="sub">Opsbook operation report · ${esc(severityWord[o.severity])} · ${esc(o.env)} · ${esc(o.status)}</p>
<dl class="meta">${header(doc).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${k === 'Operation' || k === 'Site commit' || k === 'Manifest sha256' ? `<span class="mono">${esc(v)}</span>` : esc(v)}</dd>`).join('')}</dl>
<h2>Timeline</h2>
<ol class="timeline">${items.join('\n')}</ol>
<h2>Snippets</h2>
${snippets}
<footer>Signed by the Opsbook server that recorded it. To check that nothing was edited, run <code>npm run operation:verify &lt;file&gt;</code> or use Verify a report on the Operations page. In Opsbook: <span class="mono">${esc(doc.link)}</span></footer>
</main></body></html>
`;
}
