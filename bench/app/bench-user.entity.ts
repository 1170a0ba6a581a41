import { Column, Entity, PrimaryGeneratedColumn, type DataSource } from 'typeorm';

/** The app's user table: every nest-qsessions session row has a foreign key to it. */
@Entity({ name: 'bench_users' })
export class BenchUser {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100 })
  username: string;
}

/** Inserts users 1..count (portable: SQLite and PostgreSQL), so that sign-ins can name them. */
export async function seedBenchUsers(dataSource: DataSource, count: number): Promise<void> {
  const users = Array.from({ length: count }, (_, index) => ({ id: index + 1, username: `user${index + 1}` }));
  await dataSource.getRepository(BenchUser).insert(users);
}
