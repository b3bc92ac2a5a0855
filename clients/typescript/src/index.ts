// A typed LMS API client: openapi-fetch over the types generated from docs/openapi.json.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
/** Every schema of the document, e.g. `Schemas["CourseResponse"]`. */
export type Schemas = components["schemas"];
export type LmsClient = Client<paths>;

type Method = "get" | "put" | "post" | "delete" | "patch";
type Content<T> = T extends { content: infer C } ? C[keyof C] : never;
/** The request body of an operation, e.g. `Body<"/api/v1/auth/login", "post">`. */
export type Body<P extends keyof paths, M extends Method> = Content<
  NonNullable<paths[P][M] extends { requestBody?: infer R } ? R : never>
>;
/** The query parameters of an operation, e.g. `Query<"/api/v1/me/enrollments", "get">`. */
export type Query<P extends keyof paths, M extends Method> =
  paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
// openapi-fetch infers `init` generically, so tsc does not flag an undeclared property in an
// inline `body`/`query` literal (openapi-ts/openapi-typescript#1769): write them
// `{ ... } satisfies Body<Path, Method>` to get that check.

/**
 * A client for the LMS server at `baseUrl` (e.g. `http://127.0.0.1:8080`, no trailing
 * `/api/v1`: paths are the document's full paths). With `token`, every request carries
 * `Authorization: Bearer <token>`.
 */
export function createLmsClient(baseUrl: string, token?: string): LmsClient {
  const client = createClient<paths>({ baseUrl });
  if (token !== undefined) {
    const bearer: Middleware = {
      onRequest({ request }) {
        request.headers.set("authorization", `Bearer ${token}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}
