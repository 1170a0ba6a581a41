import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The sample app's own user table; every session row points at it (`userEntity`). */
@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 150, unique: true })
  username: string;

  @Column({ name: 'display_name', type: 'varchar', length: 150 })
  displayName: string;

  /** `scrypt$N$r$p$salt$hash` (see password.ts); never the password itself. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  /** Staff may open the sessions admin (/admin/sessions). */
  @Column({ name: 'is_staff', type: 'boolean', default: false })
  isStaff: boolean;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
