import { createSampleApp } from './bootstrap.js';
import { describeDatabase, describeGeoIp, describeMail, loadSampleConfig, SampleConfigError } from './config.js';
import { listeningOrigin } from './http/public-url.js';
import { Outbox, type OutboxMail } from './mail/outbox.js';
import { DEMO_USERS } from './users/demo-users.js';

// `npm run sample`: the sample app on the settings of its environment (see config.ts).
try {
  const config = loadSampleConfig(process.env);
  const app = await createSampleApp(config, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `${listeningOrigin(config.host, port)}/`;
  // Without a mail server, each e-mail is printed here too (its link included: this is the
  // developer's own console, and the link is what the mail is for).
  if (config.smtpUrl === null) app.get(Outbox).onMail((mail) => console.log(printable(mail)));
  const width = Math.max(...DEMO_USERS.map((user) => user.username.length));
  console.log(
    [
      '',
      `nest-qsessions sample app: ${url}`,
      '',
      `  database  ${describeDatabase(config)}`,
      `  GeoIP     ${describeGeoIp(config)}`,
      `  proxies   ${config.trustProxy === false ? 'not trusted (the socket address is the client)' : `X-Forwarded-For trusted from ${String(config.trustProxy)}`}`,
      `  e-mail    ${describeMail(config, `${url}outbox`)}`,
      '',
      '  Sign in with a demo account:',
      ...DEMO_USERS.map(
        (user) =>
          `    ${user.username.padEnd(width)}  ${user.password}${user.isStaff ? '   (staff: /admin/sessions)' : ''}`,
      ),
      '',
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
} catch (error) {
  // Our own errors (bad settings, unreachable database) are explained by their message.
  const ours =
    error instanceof SampleConfigError || (error instanceof Error && error.message.startsWith('sample app:'));
  console.error(ours ? (error as Error).message : error);
  process.exit(1);
}

/** An e-mail of the outbox as the console shows it. */
function printable(mail: OutboxMail): string {
  const rule = '-'.repeat(72);
  return [rule, `To:      ${mail.to}`, `Subject: ${mail.subject}`, '', mail.text.trimEnd(), rule].join('\n');
}
