/** Markdown pieces shared by the generated reference (docs/rules.md) and `diff -o markdown`. */

/** Text for a Markdown table cell: backslashes and pipes escaped, line breaks flattened, so no value can end the cell or the row. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
