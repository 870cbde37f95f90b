#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { createService } from '../server.js';

const USAGE = `Usage: openraz [serve] [--config FILE]
       openraz demo
       openraz policy (check | test | explain | import-ranger) ...

Commands:
  serve   Start the signing service (the default). Settings come from the
          configuration file (JSON or YAML; --config or OPENRAZ_CONFIG) and
          OPENRAZ_* environment variables; see README.md.
  demo    Start a local S3 server, openraz with the example policies and a
          generated key pair, and walk through real signed requests.
  policy  Tools for policy authors; "openraz policy" lists them.

Options:
  -c, --config FILE   configuration file (default: $OPENRAZ_CONFIG)
  -h, --help          show this help`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'policy') {
    const { runPolicyCommand } = await import('./policy-commands.js');
    return runPolicyCommand(argv.slice(1));
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const command = positionals[0] ?? 'serve';
  switch (command) {
    case 'serve':
      return serve(values.config ?? process.env.OPENRAZ_CONFIG);
    case 'demo': {
      const { runDemo } = await import('../demo/demo.js');
      return runDemo();
    }
    default:
      console.error(`openraz: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(configFile: string | undefined): Promise<number> {
  const config = await loadConfig(configFile);
  const service = await createService(config);
  const { app } = service;

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGHUP', () => {
    app.log.info('SIGHUP: reloading policies');
    void service.policies.reload();
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  await app.listen({ host: config.server.host, port: config.server.port });
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    // A LoadError's message lists every problem, one a line.
    console.error(`openraz: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
