import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  // Port 0 by default: the driver (.ci/consumer-drive.mjs) reads the address from this line.
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  console.log(`consumer app listening on ${await app.getUrl()}`);
}
bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
