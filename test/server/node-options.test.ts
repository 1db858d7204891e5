/** `npm start` runs the server with the V8 settings the chart and the bench use. */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { SERVE_NODE_OPTIONS } from '../../src/server/node-options.js';

t.test('npm start and the chart default carry the serve V8 settings', async (t) => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.match(scripts.start, new RegExp(`\\bnode ${SERVE_NODE_OPTIONS} dist/cli/bin\\.js serve$`));
  const values = parse(readFileSync('charts/perimeter/values.yaml', 'utf8')) as { nodeOptions: string };
  t.equal(values.nodeOptions, SERVE_NODE_OPTIONS);
});
