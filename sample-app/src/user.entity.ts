import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The sample app's own user table; every session row points at it. */
@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 150, unique: true })
  username: string;
}
