// The README example: log in, then list published courses. node dist/example.js
import { createLmsClient } from "./index.js";

const baseUrl = process.env["LMS_URL"] ?? "http://127.0.0.1:8080";
const body = { email: process.env["LMS_EMAIL"] ?? "", password: process.env["LMS_PASSWORD"] ?? "" };
const login = await createLmsClient(baseUrl).POST("/api/v1/auth/login", { body });
if (login.error) throw new Error(`login failed: ${login.error.error.code} ${login.error.error.message}`);
const api = createLmsClient(baseUrl, login.data.access_token);
const { data, error } = await api.GET("/api/v1/courses", { params: { query: { status: "published", limit: 5 } } });
if (error) throw new Error(error.error.message);
for (const course of data.items) console.log(`${course.title} (${course.lesson_count} lessons)`);
