/**
 * The impact of a rule change for people (a table), for programs (JSON), and for a pull-request
 * comment (Markdown).
 */
import { markdownCell } from '../report/markdown.js';
import { pad } from '../report/format.js';
import { CHANGE_KINDS, hasNewDenials, type ChangeKind, type Impact, type ObjectChange, type RuleChange } from './impact.js';

const objectName = (object: ObjectChange) => `${object.kind} ${object.namespace}/${object.name}`;

/** The changes of one kind, each with its object, in object order. */
function changesOfKind(impact: Impact, kind: ChangeKind): [ObjectChange, RuleChange][] {
  return impact.changed.flatMap((object) => object.changes.filter((change) => change.change === kind).map((change): [ObjectChange, RuleChange] => [object, change]));
}

function countsLine(impact: Impact): string {
  const parts = CHANGE_KINDS.filter((kind) => impact.counts[kind] > 0).map((kind) => `${impact.counts[kind]} ${kind}`);
  return `${impact.objects} objects judged under both rule sets: ${parts.length === 0 ? 'nothing changes' : parts.join(', ')}`;
}

/** One line per object and rule that changes, newly denied first. */
export function formatImpactTable(impact: Impact): string {
  const rows: string[][] = [['CHANGE', 'OBJECT', 'RULE', 'VERDICT', 'MESSAGE']];
  for (const kind of CHANGE_KINDS) {
    for (const [object, change] of changesOfKind(impact, kind)) rows.push([kind, objectName(object), change.rule, `${object.before} -> ${object.after}`, change.message]);
  }
  const table = rows.length > 1 ? `${pad(rows)}\n\n` : '';
  return `${table}${countsLine(impact)}\n`;
}

export function formatImpactJson(impact: Impact): string {
  return `${JSON.stringify({ changed: impact.changed, summary: { objects: impact.objects, ...impact.counts } }, null, 2)}\n`;
}

/** A pull-request comment: counts first, then a section per kind of change. */
export function formatImpactMarkdown(impact: Impact): string {
  const lines = ['### perimeter: impact of this rule change', ''];
  if (hasNewDenials(impact)) lines.push(`> [!WARNING]`, `> ${impact.counts['newly denied']} objects that can be applied today would be denied.`, '');
  lines.push(`${impact.objects} objects judged under the base and the new rules.`, '');
  const kinds = CHANGE_KINDS.filter((kind) => impact.counts[kind] > 0);
  if (kinds.length === 0) {
    lines.push('Nothing changes.');
    return `${lines.join('\n')}\n`;
  }
  lines.push('| change | objects |', '|---|---:|', ...kinds.map((kind) => `| ${kind} | ${impact.counts[kind]} |`), '');
  for (const kind of kinds) {
    lines.push(`#### ${kind[0]!.toUpperCase()}${kind.slice(1)}`, '', '| object | rule | verdict | message |', '|---|---|---|---|');
    for (const [object, change] of changesOfKind(impact, kind)) {
      lines.push(`| ${markdownCell(objectName(object))} <br>\`${markdownCell(object.source)}\` | \`${markdownCell(change.rule)}\` | ${object.before} → ${object.after} | ${markdownCell(change.message)} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
