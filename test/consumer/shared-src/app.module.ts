import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QSessionsModule } from 'nest-qsessions';
import { QSessionsHealthIndicator } from 'nest-qsessions/health';
import { AccountController } from './account.controller.js';
import { HealthController } from './health.controller.js';
import { MaintenanceController } from './maintenance.controller.js';
import { CreateQSessionsTable1719000000000 } from './subpaths.js';
import { User } from './user.entity.js';

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      autoLoadEntities: true,
      synchronize: true,
      // Listed, never run (synchronize builds the tables): the migrations subpath loads at run time.
      migrations: [CreateQSessionsTable1719000000000],
      migrationsRun: false,
    }),
    TypeOrmModule.forFeature([User]),
    QSessionsModule.forRoot({ userEntity: User }),
    TerminusModule,
  ],
  controllers: [AccountController, MaintenanceController, HealthController],
  providers: [QSessionsHealthIndicator],
})
export class AppModule {}
