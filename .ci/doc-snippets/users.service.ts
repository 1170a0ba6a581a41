// Support file of the documentation's TypeScript blocks (see .ci/extract-doc-snippets.mjs):
// "your own service that checks passwords", which the blocks import as `./users.service.js`.
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { Repository } from 'typeorm';
import { User } from './user.entity.js';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** The user with these credentials; 401 otherwise. */
  async check(username: string, password: string): Promise<User> {
    const user = await this.users.findOneBy({ username });
    if (!user || !matches(password, user.passwordHash)) throw new UnauthorizedException('Wrong username or password');
    return user;
  }

  findById(id: number): Promise<User | null> {
    return this.users.findOneBy({ id });
  }
}

function matches(password: string, stored: string): boolean {
  const [salt = '', hash = ''] = stored.split(':');
  const expected = Buffer.from(hash, 'hex');
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), expected.length || 64);
  return expected.length > 0 && timingSafeEqual(actual, expected);
}
