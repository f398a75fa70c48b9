// Prints a table of the scores in Lighthouse JSON reports and, for each
// report, the audits that lost points; exits 1 when an accessibility score
// is below --threshold (0-100) or a report has no accessibility score.
//
//   node summarise.mjs --threshold 98 REPORT.json...
//
// A report's name is PAGE-FORMFACTOR.json, as run.sh writes it.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const args = process.argv.slice(2);
let threshold = 98;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threshold') threshold = Number(args[++i]);
  else files.push(args[i]);
}
if (!Number.isFinite(threshold) || files.length === 0) {
  console.error('usage: node summarise.mjs --threshold N REPORT.json...');
  process.exit(2);
}

const order = ['accessibility', 'best-practices', 'seo', 'performance'];
const pct = (s) => (s === null || s === undefined ? '-' : String(Math.round(s * 100)));
const rows = [];
const failures = [];
let bad = false;
for (const file of files) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const [page, ff = '-'] = basename(file, '.json').split(/-(?=[^-]+$)/);
  const cats = order.filter((c) => r.categories[c]);
  const a11y = r.categories.accessibility?.score;
  const pass = typeof a11y === 'number' && a11y * 100 >= threshold;
  if (!pass) bad = true;
  rows.push({ page, ff, scores: Object.fromEntries(cats.map((c) => [c, pct(r.categories[c].score)])), pass });
  if (r.runtimeError) failures.push(`${page} (${ff}): runtime error ${r.runtimeError.code}: ${r.runtimeError.message}`);
  for (const c of cats) {
    for (const ref of r.categories[c].auditRefs) {
      const a = r.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 1) {
        const items = a.details?.items?.length ? ` [${a.details.items.length} item(s)]` : '';
        failures.push(`${page} (${ff}) ${c}: ${a.id} ${pct(a.score)} — ${a.title}${items}`);
        // Where each accessibility failure is, and axe's reason (e.g. the
        // contrast ratio and the two colours), so a reader can fix it.
        if (c === 'accessibility') {
          for (const it of (a.details?.items ?? []).slice(0, 8)) {
            if (!it.node) continue;
            const why = (it.node.explanation ?? '').split('\n').slice(1).join(' ').trim();
            failures.push(`      ${it.node.selector}${why ? ': ' + why : ''}`);
          }
        }
      }
    }
  }
}

const head = ['page', 'form factor', ...order, `a11y ≥ ${threshold}`];
const body = rows.map((r) => [r.page, r.ff, ...order.map((c) => r.scores[c] ?? '-'), r.pass ? 'yes' : 'NO']);
const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(head));
console.log('| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
for (const b of body) console.log(line(b));
console.log();
if (failures.length === 0) console.log('No audit lost points.');
else {
  console.log('Audits that lost points:');
  for (const f of failures) console.log('  ' + f);
}
process.exit(bad ? 1 : 0);
