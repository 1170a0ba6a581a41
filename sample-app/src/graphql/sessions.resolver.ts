import { UnauthorizedException } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentSession, CurrentSessionId, SessionService, type RequestSession } from 'nest-qsessions';
import { sessionUserId, type SampleRequest } from '../auth/session-data.js';
import { UsersService } from '../users/users.service.js';
import type { User } from '../users/user.entity.js';
import { DeviceSession, toDeviceSession } from './device-session.type.js';

/**
 * The GraphQL API (`POST /graphql`): the same sessions as the "Your sessions" page, for a script
 * or another client of this site, on the same session cookie. Every operation needs a signed-in
 * session; without one it fails with an UNAUTHENTICATED error.
 */
@Resolver(() => DeviceSession)
export class SessionsResolver {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
  ) {}

  @Query(() => [DeviceSession], { description: 'Your active sessions, this one marked `current`.' })
  async mySessions(
    @CurrentSession() session: RequestSession | undefined,
    @Context('req') req: SampleRequest,
  ): Promise<DeviceSession[]> {
    const user = await this.signedInUser(session);
    const views = await this.sessions.list(user, { current: req });
    return views.map(toDeviceSession);
  }

  /**
   * Signs out one of the caller's sessions; true when it ended. Owner-scoped as on the sessions
   * page: another user's id, an unknown id or an ended session changes nothing and gives false.
   * The id of the calling session itself signs this client out (a logout: the response clears
   * the cookie), as that page's Sign out does.
   */
  @Mutation(() => Boolean, { description: 'Signs out one of your sessions; false when it was not one of yours.' })
  async revokeSession(
    @CurrentSession() session: RequestSession | undefined,
    @CurrentSessionId() currentId: string | undefined,
    @Context('req') req: SampleRequest,
    @Args('id', { type: () => String }) id: string,
  ): Promise<boolean> {
    const user = await this.signedInUser(session);
    if (id === currentId) {
      await this.sessions.logout(req);
      return true;
    }
    return this.sessions.revoke(user, id);
  }

  private async signedInUser(session: RequestSession | undefined): Promise<User> {
    const user = await this.users.findById(sessionUserId(session));
    if (!user) throw new UnauthorizedException('Sign in first: this API works on the session of a signed-in browser.');
    return user;
  }
}
