import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QSessionsModule } from 'nest-qsessions';
import { AppController } from './app.controller.js';
import { User } from './user.entity.js';

/** The embedded default: a SQLite file and the in-memory cache in front of it. */
@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: process.env.SAMPLE_SQLITE_PATH ?? 'sample-app/sample.db',
      entities: [User],
      autoLoadEntities: true,
      synchronize: true,
    }),
    QSessionsModule.forRoot({ userEntity: User, engine: 'cached_db' }),
  ],
  controllers: [AppController],
})
export class AppModule {}
