import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A user entity with an integer primary key (the common case). */
@Entity({ name: 'test_users' })
export class IntUser {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100 })
  username: string;
}

/** A user entity with a uuid primary key. */
@Entity({ name: 'test_uuid_users' })
export class UuidUser {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 100 })
  username: string;
}
