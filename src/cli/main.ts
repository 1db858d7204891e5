/**
 * The `perimeter` command. Each subcommand is a thin adapter: parse arguments, call the engine or
 * the server, print. Exit codes: 0 nothing denied, 1 something denied, 2 usage or input errors.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OUTPUT_FORMATS, type OutputFormat } from '../report/format.js';
import { PerimeterError } from '../errors.js';
import { AUDIT_FORMATS, runAudit } from './audit.js';
import { runCheck } from './check.js';
import { runServe } from './serve.js';
import { runRuleTests } from './test-rules.js';
import { runLintRules } from './lint-rules.js';
import { DIFF_FORMATS, runDiff } from './diff.js';
import type { ObjectSourceOptions } from './objects.js';
import { DEFAULT_EXPIRY_WARNING_DAYS, LINT_SEVERITIES } from '../rules/lint.js';
import { runWebhookConfig } from './webhook-config.js';
import { ON_TIMEOUT_VALUES } from '../admission/time-budget.js';
import { decimalNumber, oneOf, wholeNumber } from './flags.js';
import { EXIT, processIO, UsageError, type CommandIO } from './io.js';
import { defaultRulesDir } from './rules-dir.js';

const USAGE = `Usage: perimeter <command> [options]

Commands:
  check [--rules DIR] [-o table|json] FILE... | -
      Judge manifests (YAML or JSON, multi-document, kind: List) against the rules.
      Exit 0 when nothing is denied, 1 when something is, 2 on bad input or rules.
  audit [--rules DIR] [-o table|json|policyreport] (--cluster [--kubeconfig F] [--namespace NS] [--chunk-size 500] | FILE... | -)
      Judge what exists: every Service, Ingress and NetworkPolicy of a live cluster (paged), or
      files, and each namespace without a default-deny egress policy. PolicyReport output is
      wgpolicyk8s.io/v1alpha2 YAML. Exit 0, 1 (something deny-level) or 2.
  diff --base OLD_DIR [--rules NEW_DIR] [-o table|json|markdown]
       (FILE... | - | --cluster [--kubeconfig F] [--namespace NS] [--chunk-size 500])
      Preview a rule change: judge the same objects under both rule sets and list, per object and
      rule, what is newly denied, warned or patched, and what no longer is, with counts.
      Markdown output fits a pull-request comment. Exit 1 when an object that is allowed today
      would be denied, 0 otherwise, 2 on bad input or rules.
  lint-rules [DIR] [--expiring-within 14] [--expired error|warning]
      Validate rule files alone, and their exemptions' end dates: a warning for each exemption
      that ends within --expiring-within days, an error for each that has ended (it no longer
      applies). Exit 0 when valid, 1 when an ended exemption is still there, 2 when invalid.
  explain RULE_ID [--rules DIR]
      Show a rule: where it is defined, enforcement, parameters (those set differently from the
      defaults marked), exemptions, then its check's reference with examples. Also takes a check id.
  test [DIR] [--tests DIR/tests] [-o table|json]
      Run the rule test cases (DIR/tests/*.yaml) against the rules of DIR (default: as for --rules):
      PASS or FAIL per case, with expected and actual verdict, findings and patch.
      Exit 0 when all pass, 1 when a case fails, 2 when rules or test files cannot be read.
  serve [--port 8443] [--host 0.0.0.0] [--rules DIR] [--tls-cert FILE --tls-key FILE] [--log-level info]
        [--cluster auto|on|off] [--kubeconfig FILE] [--shutdown-delay 0] [--dev-cert-names NAME,...]
        [--on-timeout deny|allow]
      Serve the admission webhook over HTTPS (HTTP/2 and HTTP/1.1): POST /validate, /mutate;
      GET /healthz, /readyz, /metrics. Without --tls-cert, a development CA and a certificate
      for localhost and --dev-cert-names are generated under .perimeter/. Rule and certificate
      files are watched.
      Cluster state (NetworkPolicies, Namespaces, ingress controller Services) is watched when a
      kubeconfig, KUBECONFIG or the in-cluster service account is there (--cluster auto).
      On SIGTERM, --shutdown-delay SECONDS keeps serving (not ready) while endpoints update.
      A review that arrives with less than a fifth of the API server's timeout (?timeout=) left
      is not judged: --on-timeout says whether it is denied (default) or allowed with a warning.
  webhook-config --url URL --ca-file FILE [--failure-policy Fail|Ignore] [--timeout-seconds 5]
                 [--namespace perimeter] [--name perimeter]
      Print Validating- and MutatingWebhookConfigurations for URL-based registration.

Options:
  --rules DIR     Rule directory (default: ./rules if present, else the shipped rules)
  -o, --output    Output format: table (default) or json
  -h, --help      Show this help
  -v, --version   Show the version
`;

type Values = Record<string, string | boolean | undefined>;

/** RFC 1123 host names: labels of letters, digits and inner hyphens, optionally a leading `*.`. */
const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `--dev-cert-names a,b`: DNS names or IP addresses for the development certificate. */
function parseDevCertNames(value: string | boolean | undefined): string[] {
  if (typeof value !== 'string') return [];
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (isIP(name) === 0 && (!HOST_NAME.test(name) || name.length > 253)) throw new UsageError(`--dev-cert-names: "${name}" is neither a DNS name nor an IP address`);
  }
  return names;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const CLUSTER_MODES = ['auto', 'on', 'off'] as const;

function parse(args: readonly string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const positiveInteger = (flag: string, value: unknown) => wholeNumber(flag, value, 'an integer', { min: 1 });

/** Flags of the commands that judge files or a live cluster (audit, diff). */
const OBJECT_SOURCE_FLAGS = {
  cluster: { type: 'boolean', default: false },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'chunk-size': { type: 'string', default: '500' },
} as const satisfies ParseArgsConfig['options'];

/** The objects an `audit` or `diff` judges, checked before any rules are read. */
function objectSource(command: string, values: Values, positionals: string[]): ObjectSourceOptions {
  const cluster = values.cluster === true;
  if (cluster === (positionals.length > 0)) throw new UsageError(`${command} takes either --cluster or FILE... (or - for standard input)`);
  if (!cluster && (values.kubeconfig !== undefined || values.namespace !== undefined)) throw new UsageError('--kubeconfig and --namespace go with --cluster');
  return {
    cluster,
    ...(typeof values.kubeconfig === 'string' ? { kubeconfig: values.kubeconfig } : {}),
    ...(typeof values.namespace === 'string' ? { namespace: values.namespace } : {}),
    files: positionals,
    chunkSize: positiveInteger('chunk-size', values['chunk-size']),
  };
}

function outputFormat(value: string | boolean | undefined): OutputFormat {
  return oneOf('output', typeof value === 'string' ? value : 'table', OUTPUT_FORMATS);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function dispatch(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check': {
      const { values, positionals } = parse(rest, { rules: { type: 'string' }, output: { type: 'string', short: 'o' } });
      if (positionals.length === 0) throw new UsageError('check needs at least one FILE, or - for standard input');
      return runCheck({ rulesDir: (values.rules as string | undefined) ?? defaultRulesDir(), output: outputFormat(values.output), files: positionals }, io);
    }
    case 'serve': {
      const { values, positionals } = parse(rest, {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '0.0.0.0' },
        rules: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        cluster: { type: 'string', default: 'auto' },
        kubeconfig: { type: 'string' },
        'shutdown-delay': { type: 'string', default: '0' },
        'dev-cert-names': { type: 'string' },
        'on-timeout': { type: 'string', default: 'deny' },
      });
      const onTimeout = oneOf('on-timeout', values['on-timeout'], ON_TIMEOUT_VALUES);
      const cluster = oneOf('cluster', values.cluster, CLUSTER_MODES);
      if (positionals.length > 0) throw new UsageError(`serve takes no arguments (got "${positionals[0]}")`);
      const port = wholeNumber('port', values.port, 'a port number', { min: 0, max: 65535 });
      const logLevel = oneOf('log-level', values['log-level'], LOG_LEVELS);
      const shutdownDelaySeconds = decimalNumber('shutdown-delay', values['shutdown-delay'], 'a number of seconds', { min: 0, max: 300 });
      const devCertNames = parseDevCertNames(values['dev-cert-names']);
      return runServe(
        {
          port,
          host: String(values.host),
          rulesDir: (values.rules as string | undefined) ?? defaultRulesDir(),
          ...(values['tls-cert'] !== undefined ? { tlsCert: String(values['tls-cert']) } : {}),
          ...(values['tls-key'] !== undefined ? { tlsKey: String(values['tls-key']) } : {}),
          devCertDir: '.perimeter',
          devCertNames,
          logLevel,
          cluster,
          ...(typeof values.kubeconfig === 'string' ? { kubeconfig: values.kubeconfig } : {}),
          shutdownDelaySeconds,
          onTimeout,
        },
        io,
      );
    }
    case 'webhook-config': {
      const { values, positionals } = parse(rest, {
        url: { type: 'string' },
        'ca-file': { type: 'string' },
        'failure-policy': { type: 'string', default: 'Fail' },
        'timeout-seconds': { type: 'string', default: '5' },
        namespace: { type: 'string', default: 'perimeter' },
        name: { type: 'string', default: 'perimeter' },
      });
      if (positionals.length > 0) throw new UsageError(`webhook-config takes no arguments (got "${positionals[0]}")`);
      return runWebhookConfig(values, io);
    }
    case 'audit': {
      const { values, positionals } = parse(rest, { rules: { type: 'string' }, output: { type: 'string', short: 'o' }, ...OBJECT_SOURCE_FLAGS });
      const output = oneOf('output', typeof values.output === 'string' ? values.output : 'table', AUDIT_FORMATS);
      return runAudit({ rulesDir: (values.rules as string | undefined) ?? defaultRulesDir(), output, ...objectSource('audit', values, positionals) }, io);
    }
    case 'diff': {
      const { values, positionals } = parse(rest, { base: { type: 'string' }, rules: { type: 'string' }, output: { type: 'string', short: 'o' }, ...OBJECT_SOURCE_FLAGS });
      if (typeof values.base !== 'string') throw new UsageError('diff needs --base OLD_RULES_DIR: the rules to compare against');
      const output = oneOf('output', typeof values.output === 'string' ? values.output : 'table', DIFF_FORMATS);
      return runDiff({ baseRulesDir: values.base, rulesDir: (values.rules as string | undefined) ?? defaultRulesDir(), output, ...objectSource('diff', values, positionals) }, io);
    }
    case 'lint-rules': {
      const { values, positionals } = parse(rest, { 'expiring-within': { type: 'string', default: String(DEFAULT_EXPIRY_WARNING_DAYS) }, expired: { type: 'string', default: 'error' } });
      if (positionals.length > 1) throw new UsageError('lint-rules takes one directory');
      const expiringWithinDays = wholeNumber('expiring-within', values['expiring-within'], 'a number of days', { min: 0 });
      const expired = oneOf('expired', values.expired, LINT_SEVERITIES);
      return runLintRules({ rulesDir: positionals[0] ?? defaultRulesDir(), expiringWithinDays, expired }, io);
    }
    case 'explain': {
      const { values, positionals } = parse(rest, { rules: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'explain needs a RULE_ID (or a check id)' : 'explain takes one RULE_ID');
      // Loaded on demand: the reference renderer is only needed here.
      const { runExplain } = await import('./explain.js');
      return runExplain({ rulesDir: (values.rules as string | undefined) ?? defaultRulesDir(), id: positionals[0] ?? '' }, io);
    }
    case 'test': {
      const { values, positionals } = parse(rest, { tests: { type: 'string' }, output: { type: 'string', short: 'o' } });
      if (positionals.length > 1) throw new UsageError('test takes one rules directory');
      const output = outputFormat(values.output);
      return runRuleTests({ rulesDir: positionals[0] ?? defaultRulesDir(), ...(typeof values.tests === 'string' ? { testsDir: values.tests } : {}), output }, io);
    }
    case '-v':
    case '--version':
      io.stdout(`${version()}\n`);
      return EXIT.OK;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout(USAGE);
      return command === undefined ? EXIT.USAGE : EXIT.OK;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Runs the CLI and returns its exit code; every user-caused error becomes a message and 2. */
export async function runCli(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`perimeter: ${error.message}\n\n${USAGE}`);
      return EXIT.USAGE;
    }
    if (error instanceof PerimeterError) {
      io.stderr(`${error.message}\n`);
      return EXIT.USAGE;
    }
    throw error;
  }
}
