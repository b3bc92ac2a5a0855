// Compile-time only (never called): proves tsc rejects what docs/openapi.json does not declare.
// Each `@ts-expect-error` must meet an error, so if the generated types ever went loose
// (e.g. responses typed `any`), `tsc` would fail on the now-unused directive.
import { createLmsClient, type Body } from "./index.js";

export async function typeTests(): Promise<void> {
  const api = createLmsClient("http://127.0.0.1:8080");
  // @ts-expect-error an undeclared route
  await api.GET("/api/v1/nope");
  // @ts-expect-error a declared path with an undeclared method
  await api.DELETE("/api/v1/me");
  // @ts-expect-error a missing required path parameter
  await api.GET("/api/v1/courses/{id}", {});
  // @ts-expect-error a required body field missing
  await api.POST("/api/v1/auth/login", { body: { email: "a@example.com" } });
  // @ts-expect-error an undeclared body field (checked through `satisfies`)
  const body = { email: "a", password: "b", otp: "1" } satisfies Body<"/api/v1/auth/login", "post">;
  await api.POST("/api/v1/auth/login", { body });
  const { data } = await api.GET("/api/v1/me");
  // @ts-expect-error an undeclared response field
  void data?.nickname;
}
