// Support file of the documentation's TypeScript blocks (see .ci/extract-doc-snippets.mjs):
// the app's own user entity, which the blocks import as `./user.entity.js`.
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'user' })
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  username!: string;

  /** `salt:hash`, both hex, from scrypt. */
  @Column({ type: 'varchar', length: 200 })
  passwordHash!: string;
}
