import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';

/**
 * GraphQL at `POST /graphql` (Apollo, code-first, the schema built in memory at start-up).
 *
 * Cross-site requests: the app's CsrfGuard checks form tokens, which a GraphQL client does not
 * send; what keeps another site from running a mutation with a visitor's cookie is, first,
 * Apollo's `csrfPrevention`: it refuses, before any resolver runs, every request that a page of
 * another site could send without a CORS preflight (a GET, or a POST whose Content-Type is a
 * form's or text/plain, unless it carries a header no form can set). The app answers no
 * preflight (no CORS), so a browser never sends another site's JSON POST. Second, the session
 * cookie is SameSite=Lax: a cross-site POST carries no cookie at all.
 *
 * No landing page (Apollo's would load scripts from a CDN, which the Content-Security-Policy
 * refuses anyway): a GET of /graphql in a browser is a plain 400.
 */
export function graphqlApiModule(): DynamicModule {
  return GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    autoSchemaFile: true,
    graphiql: false,
    csrfPrevention: true,
  });
}
