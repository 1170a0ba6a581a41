import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DEMO_USERS } from './demo-users.js';
import { hashPassword, verifyPassword } from './password.js';
import { User } from './user.entity.js';

/** Finds users, checks passwords, and creates the demo accounts. */
@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);
  // Checked against when the username is unknown, so that a wrong username takes as long as a
  // wrong password (no way to tell which usernames exist by timing the form).
  private decoyHash: Promise<string> | undefined;

  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Creates each demo user that does not exist yet (an existing one is left as it is). */
  async onApplicationBootstrap(): Promise<void> {
    for (const demo of DEMO_USERS) {
      if (await this.users.existsBy({ username: demo.username })) continue;
      await this.users.insert({
        username: demo.username,
        displayName: demo.displayName,
        isStaff: demo.isStaff,
        passwordHash: await hashPassword(demo.password),
      });
      this.logger.log(`created demo user ${demo.username}`);
    }
  }

  findById(id: unknown): Promise<User | null> {
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) return Promise.resolve(null);
    return this.users.findOneBy({ id });
  }

  /** The user with this username and password, or null (same answer and time for either mistake). */
  async checkCredentials(username: string, password: string): Promise<User | null> {
    const user = username ? await this.users.findOneBy({ username: username.trim().toLowerCase() }) : null;
    if (!user) {
      this.decoyHash ??= hashPassword('decoy password');
      await verifyPassword(password, await this.decoyHash);
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }

  /** Stores a new password for the user (a fresh salt and scrypt hash); `user` is updated too. */
  async changePassword(user: User, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.users.update({ id: user.id }, { passwordHash });
    user.passwordHash = passwordHash;
  }
}
