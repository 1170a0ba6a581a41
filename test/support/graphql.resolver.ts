import { Args, Context, Field, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import {
  ClientInfo,
  CurrentSession,
  CurrentSessionId,
  RequestSession,
  RequireFreshSession,
  SessionEnded,
  SessionService,
  type SessionEnd,
} from '../../lib/index.js';

/** The requesting session, as the `me` query shows it. */
@ObjectType()
export class GqlMe {
  @Field(() => String, { nullable: true })
  sessionId: string | null;

  @Field(() => Int, { nullable: true })
  userId: number | null;

  /** The session's data as JSON (what a REST handler would see in `req.session`). */
  @Field(() => String)
  data: string;
}

/** One of the user's sessions, as `mySessions` lists it. */
@ObjectType()
export class GqlSessionView {
  @Field(() => String)
  id: string;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field(() => Boolean)
  current: boolean;
}

/** The request's client, from `@ClientInfo()`. */
@ObjectType()
export class GqlClient {
  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;
}

/**
 * A resolver as an app would write one: the library's decorators on its arguments, and
 * SessionService called with the request of the GraphQL context (`@Context('req')`, which both
 * Nest drivers fill). Used by test/graphql.e2e.spec.ts on Apollo (Express) and Mercurius (Fastify).
 */
@Resolver()
export class SessionsResolver {
  constructor(private readonly sessions: SessionService) {}

  @Query(() => GqlMe)
  me(@CurrentSession() session: RequestSession | undefined, @CurrentSessionId() sessionId?: string): GqlMe {
    const userId = session?.userId;
    return {
      sessionId: sessionId ?? null,
      userId: typeof userId === 'number' ? userId : null,
      data: JSON.stringify(session ?? null),
    };
  }

  @Query(() => [GqlSessionView])
  async mySessions(
    @CurrentSession() session: RequestSession | undefined,
    @Context('req') req: object,
  ): Promise<GqlSessionView[]> {
    const userId = signedInUser(session);
    if (userId === null) return [];
    const views = await this.sessions.list(userId, { current: req });
    return views.map(({ id, userAgent, current }) => ({ id, userAgent, current }));
  }

  @Query(() => GqlClient)
  client(@ClientInfo() client: ClientInfo): GqlClient {
    return { ip: client.ip, userAgent: client.userAgent };
  }

  /** Why the cookie's session ended (with the `history` option), as a sign-in page would say it. */
  @Query(() => String, { nullable: true })
  endedReason(@SessionEnded() ended: SessionEnd | undefined): string | null {
    return ended?.reason ?? null;
  }

  @Mutation(() => Boolean)
  setValue(
    @CurrentSession() session: RequestSession,
    @Args('key', { type: () => String }) key: string,
    @Args('value', { type: () => String }) value: string,
  ): boolean {
    session[key] = value;
    return true;
  }

  @Mutation(() => Boolean)
  async login(@Context('req') req: object, @Args('userId', { type: () => Int }) userId: number): Promise<boolean> {
    await this.sessions.login(req, userId);
    return true;
  }

  @Mutation(() => Boolean)
  async logout(@Context('req') req: object): Promise<boolean> {
    await this.sessions.logout(req);
    return true;
  }

  /** Owner-scoped: false for an id that is not one of the signed-in user's sessions. */
  @Mutation(() => Boolean)
  async revokeSession(
    @CurrentSession() session: RequestSession | undefined,
    @Args('id', { type: () => String }) id: string,
  ): Promise<boolean> {
    const userId = signedInUser(session);
    return userId !== null && (await this.sessions.revoke(userId, id));
  }

  /** The app checked the password here. */
  @Mutation(() => Boolean)
  async confirmPassword(@Context('req') req: object): Promise<boolean> {
    await this.sessions.markReauthenticated(req);
    return true;
  }

  @Mutation(() => Boolean)
  @RequireFreshSession({ within: '10m' })
  changePassword(): boolean {
    return true;
  }
}

function signedInUser(session: RequestSession | undefined): number | null {
  const userId = session?.userId;
  return typeof userId === 'number' ? userId : null;
}
