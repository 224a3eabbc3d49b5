/** Process entry: configuration → server; SIGTERM/SIGINT stop it gracefully. */
import { ConfigError, loadConfig } from './config/load.js';
import { BootstrapError } from './bootstrap/apply.js';
import { createLogger } from './lib/log.js';
import { startServer } from './server.js';
import { DEMO_EMAIL } from './bootstrap/demo.js';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.log.level);
  const running = await startServer(config, { log });
  log.info({ url: running.url, issuer: config.server.issuer, database: running.database.kind }, 'Wayfinder is listening');

  if (config.demo) {
    const lines = [
      '',
      `  Wayfinder is running at ${config.server.issuer} (database: ${running.database.kind}, ${running.database.where})`,
      `  Try a sign-in:   open ${config.server.issuer}/demo`,
      `  Demo person:     ${DEMO_EMAIL}`,
      running.demo?.password
        ? `  Demo password:   ${running.demo.password}   (shown only now; reset it with: npm run wayfinder -- user password ${DEMO_EMAIL})`
        : '  Demo password:   shown at the first start (reset it with: npm run wayfinder -- user password ' + DEMO_EMAIL + ')',
      `  Discovery:       ${config.server.issuer}/.well-known/openid-configuration`,
      '',
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
  }

  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    log.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof BootstrapError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Wayfinder could not start: ${(err as Error).message}\n`);
  }
  process.exit(1);
});
