import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('consumer_user')
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  username!: string;
}
