import { Context, Field, Int, ObjectType, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { PubSub } from 'graphql-subscriptions';
import { ClientInfo, CurrentSession, CurrentSessionId, RequestSession, SessionService } from '../../lib/index.js';

/** The PubSub topic of `ticks`: the test publishes numbers on it. */
export const TICKS = 'ticks';

/** What a subscribing resolver sees of its connection's session. */
@ObjectType()
export class GqlSubscriber {
  @Field(() => String, { nullable: true })
  sessionId: string | null;

  @Field(() => Int, { nullable: true })
  userId: number | null;

  /** The session's data as JSON. */
  @Field(() => String)
  data: string;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  /** Whether `SessionService.list(user, { current: req })`, given the context's `req`, marks this session current. */
  @Field(() => Boolean)
  listedAsCurrent: boolean;
}

/** One published number; its other fields are resolved, per event, with the connection's session. */
@ObjectType()
export class GqlTick {
  @Field(() => Int)
  n: number;
}

/**
 * Subscriptions as an app would write them, used by test/graphql-subscriptions.e2e.spec.ts on
 * Apollo (graphql-ws, Express) and Mercurius (Fastify): the library's decorators on a
 * subscription's arguments and on the fields of its events, and SessionService given the
 * context's `req`.
 */
@Resolver(() => GqlTick)
export class SubscriptionsResolver {
  constructor(
    private readonly pubSub: PubSub,
    private readonly sessions: SessionService,
  ) {}

  /** A schema needs a query. */
  @Query(() => Boolean)
  ping(): boolean {
    return true;
  }

  /** One event: the session as the subscribing resolver sees it, then the end of the subscription. */
  @Subscription(() => GqlSubscriber, { resolve: (value: GqlSubscriber) => value })
  async whoami(
    @CurrentSession() session: RequestSession | undefined,
    @CurrentSessionId() sessionId: string | undefined,
    @ClientInfo() client: ClientInfo,
    @Context('req') req: object,
  ): Promise<AsyncGenerator<GqlSubscriber>> {
    const userId = typeof session?.userId === 'number' ? session.userId : null;
    const views = userId === null ? [] : await this.sessions.list(userId, { current: req });
    const me: GqlSubscriber = {
      sessionId: sessionId ?? null,
      userId,
      data: JSON.stringify(session ?? null),
      ip: client.ip,
      userAgent: client.userAgent,
      listedAsCurrent: views.some((view) => view.current && view.id === sessionId),
    };
    return (async function* () {
      yield me;
    })();
  }

  /** Every number published on TICKS. */
  @Subscription(() => GqlTick, { resolve: (n: number) => ({ n }) })
  ticks(): AsyncIterableIterator<number> {
    return this.pubSub.asyncIterableIterator<number>(TICKS);
  }

  @ResolveField(() => String, { nullable: true })
  sessionId(@CurrentSessionId() sessionId?: string): string | null {
    return sessionId ?? null;
  }

  @ResolveField(() => Int, { nullable: true })
  userId(@CurrentSession() session?: RequestSession): number | null {
    return typeof session?.userId === 'number' ? session.userId : null;
  }
}
