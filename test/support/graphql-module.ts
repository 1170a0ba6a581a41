import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
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
