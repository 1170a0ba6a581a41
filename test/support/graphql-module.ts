import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { graphqlWsSessions, LiveSessions, mercuriusSubscriptionSessions } from '../../lib/index.js';
import type { AdapterKind } from './matrix.js';

/**
 * GraphQL at POST /graphql with a code-first schema, on the driver of the adapter: Apollo on
 * Express, Mercurius on Fastify (each with Nest's default context, which holds `req`).
 */
export function graphqlModuleFor(adapter: AdapterKind): DynamicModule {
  return adapter === 'fastify'
    ? GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false })
    : GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, playground: false });
}

/**
 * The same, with subscriptions over WebSocket at /graphql whose connections get their session
 * from the handshake's cookie, as docs/graphql.md configures them: graphql-ws on Apollo
 * (`graphqlWsSessions()`), Mercurius's own subscription server on Fastify
 * (`mercuriusSubscriptionSessions()`).
 */
export function graphqlSubscriptionsModuleFor(adapter: AdapterKind): DynamicModule {
  return adapter === 'fastify'
    ? GraphQLModule.forRootAsync<MercuriusDriverConfig>({
        driver: MercuriusDriver,
        inject: [LiveSessions],
        useFactory: (live: LiveSessions) => ({
          autoSchemaFile: true,
          graphiql: false,
          subscription: mercuriusSubscriptionSessions(live),
        }),
      })
    : GraphQLModule.forRootAsync<ApolloDriverConfig>({
        driver: ApolloDriver,
        inject: [LiveSessions],
        useFactory: (live: LiveSessions) => ({
          autoSchemaFile: true,
          playground: false,
          subscriptions: { 'graphql-ws': graphqlWsSessions(live) },
        }),
      });
}
