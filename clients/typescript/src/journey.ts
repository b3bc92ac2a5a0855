// The learner journey (the same steps as scripts/journey.sh) through the generated client.
// Every route, parameter and field below is checked by tsc against src/schema.d.ts, so the
// journey only compiles while docs/openapi.json declares what it uses. Request bodies and
// queries are written `satisfies Body<…>`/`Query<…>` (or typed) so that tsc also rejects an
// undeclared property in them, which openapi-fetch's inferred `init` would let through.
//
// Inputs: LMS_URL, LMS_ADMIN_EMAIL, LMS_ADMIN_PASSWORD (an existing admin).
import { createLmsClient, type Body, type LmsClient, type Query, type Schemas } from "./index.js";

type ErrorEnvelope = Schemas["ErrorEnvelope"];

class JourneyFailure extends Error {}

function fail(message: string): never {
  throw new JourneyFailure(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") fail(`${name} must be set`);
  return value;
}

function step(text: string): void {
  console.log(`  ${text.padEnd(66)} ok`);
}

/** The shape openapi-fetch resolves to: data on 2xx, error otherwise. */
type Result<D, E> = { data?: D; error?: E; response: Response };

/** Awaits a call that must answer one of `expected` (2xx); returns its typed body and status. */
async function answered<D, E>(
  what: string,
  expected: readonly number[],
  call: Promise<Result<D, E>>,
): Promise<{ data: D; status: number }> {
  const { data, error, response } = await call;
  if (!expected.includes(response.status) || data === undefined) {
    fail(`${what}: expected ${expected.join(" or ")}, got ${response.status}: ${JSON.stringify(error ?? data)}`);
  }
  return { data, status: response.status };
}

/** Awaits a call that must answer `expected` (2xx) and returns its typed body. */
async function ok<D, E>(what: string, expected: number, call: Promise<Result<D, E>>): Promise<D> {
  return (await answered(what, [expected], call)).data;
}

/** Awaits a call that must fail with `expected` and returns its typed error envelope. */
async function rejected<D>(
  what: string,
  expected: number,
  call: Promise<Result<D, ErrorEnvelope>>,
): Promise<ErrorEnvelope> {
  const { data, error, response } = await call;
  if (response.status !== expected || error === undefined) {
    fail(`${what}: expected ${expected}, got ${response.status}: ${JSON.stringify(data ?? error)}`);
  }
  return error;
}

/** `ErrorBody.details` is untyped in the document; dig out `details.unmet[0].lesson_id`. */
function firstUnmetLesson(details: unknown): unknown {
  if (typeof details !== "object" || details === null || !("unmet" in details)) return undefined;
  const unmet = details.unmet;
  if (!Array.isArray(unmet) || unmet.length === 0) return undefined;
  const first: unknown = unmet[0];
  if (typeof first !== "object" || first === null || !("lesson_id" in first)) return undefined;
  return first.lesson_id;
}

async function login(api: LmsClient, email: string, password: string): Promise<Schemas["TokenResponse"]> {
  const body = { email, password } satisfies Body<"/api/v1/auth/login", "post">;
  return ok(`log in ${email}`, 200, api.POST("/api/v1/auth/login", { body }));
}

async function createPublishedCourse(
  teacher: LmsClient,
  body: Schemas["CreateCourseRequest"],
  lessons: readonly Schemas["CreateLessonRequest"][],
): Promise<{ course: Schemas["CourseResponse"]; lessonIds: string[] }> {
  const course = await ok("create course", 201, teacher.POST("/api/v1/courses", { body }));
  check(course.status === "draft", `a new course should be a draft, is ${course.status}`);
  const path = { id: course.id };
  const lessonIds: string[] = [];
  for (const lesson of lessons) {
    const created = await ok(
      `add ${lesson.kind} lesson`,
      201,
      teacher.POST("/api/v1/courses/{id}/lessons", { params: { path }, body: lesson }),
    );
    check(created.course_id === course.id && created.kind === lesson.kind, `lesson ${JSON.stringify(created)}`);
    lessonIds.push(created.id);
  }
  const published = await ok("publish", 200, teacher.POST("/api/v1/courses/{id}/publish", { params: { path } }));
  check(published.status === "published", `published course has status ${published.status}`);
  return { course: published, lessonIds };
}

async function journey(): Promise<void> {
  const baseUrl = env("LMS_URL").replace(/\/+$/, "");
  const adminEmail = env("LMS_ADMIN_EMAIL");
  const adminPassword = env("LMS_ADMIN_PASSWORD");
  const anonymous = createLmsClient(baseUrl);
  const runId = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const password = `Journey${runId}Pw1`;
  const teacherEmail = `teacher${runId}@example.com`;
  const learnerEmail = `learner${runId}@example.com`;
  console.log(`typescript journey against ${baseUrl}`);

  // 1. register
  const register = (email: string, display_name: string) =>
    anonymous.POST("/api/v1/auth/register", {
      body: { email, password, display_name } satisfies Body<"/api/v1/auth/register", "post">,
    });
  const teacherUser = await ok("register the instructor-to-be", 201, register(teacherEmail, "Teacher"));
  check(teacherUser.role === "student", `a new user should be a student, is ${teacherUser.role}`);
  const learnerUser = await ok("register the learner", 201, register(learnerEmail, "Learner"));
  const duplicate = await rejected("register the learner again", 409, register(learnerEmail, "Again"));
  check(duplicate.error.code !== "", "a 409 should carry an error code");
  step("1. register an instructor-to-be and a learner (duplicate → 409)");

  // 2. admin promotes the instructor
  const admin = createLmsClient(baseUrl, (await login(anonymous, adminEmail, adminPassword)).access_token);
  const promoted = await ok(
    "promote the instructor",
    200,
    admin.PATCH("/api/v1/admin/users/{id}", {
      params: { path: { id: teacherUser.id } },
      body: { role: "instructor" } satisfies Body<"/api/v1/admin/users/{id}", "patch">,
    }),
  );
  check(promoted.role === "instructor", `promotion gave role ${promoted.role}`);
  step("2. log in as admin and promote the instructor");

  // 3. instructor and learner log in; the learner refreshes and uses the new token
  const teacherSession = await login(anonymous, teacherEmail, password);
  check(teacherSession.user.role === "instructor", `instructor logs in as ${teacherSession.user.role}`);
  const teacher = createLmsClient(baseUrl, teacherSession.access_token);
  const learnerSession = await login(anonymous, learnerEmail, password);
  const refreshed = await ok(
    "refresh the learner's token",
    200,
    anonymous.POST("/api/v1/auth/refresh", {
      body: { refresh_token: learnerSession.refresh_token } satisfies Body<"/api/v1/auth/refresh", "post">,
    }),
  );
  check(refreshed.refresh_token !== learnerSession.refresh_token, "the refresh token was not rotated");
  check(refreshed.user.id === learnerUser.id, "the refreshed session belongs to someone else");
  const learner = createLmsClient(baseUrl, refreshed.access_token);
  const me = await ok("who am I", 200, learner.GET("/api/v1/me"));
  check(me.id === learnerUser.id, `the new access token is ${me.email}'s`);
  step("3. log in as instructor and learner; refresh the learner's token");

  // 4. the instructor builds and publishes a course
  const { course, lessonIds } = await createPublishedCourse(
    teacher,
    { title: "Journey course", description: "From zero to done", category: "testing", difficulty: "beginner" },
    [
      { title: "Watch", kind: "video", video: { youtube_id: "dQw4w9WgXcQ", duration_seconds: 120 } },
      { title: "Read", kind: "text", text: { body: "Sequential learning unlocks one lesson at a time." } },
      {
        title: "Check",
        kind: "quiz",
        quiz: {
          pass_mark_percent: 100,
          questions: [
            {
              prompt: "Is lesson 2 locked before lesson 1?",
              kind: "true_false",
              options: ["True", "False"],
              correct_options: [0],
            },
            { prompt: "Name the unlock rule", kind: "short_answer", accepted_answers: ["sequential"] },
          ],
        },
      },
    ],
  );
  const [videoId, textId, quizId] = lessonIds;
  check(videoId !== undefined && textId !== undefined && quizId !== undefined, "three lessons expected");
  const courseParams = { params: { path: { id: course.id } } };
  step("4. create and publish a course with video, text and quiz lessons");

  // 5. enroll, then enroll again
  const enrollment = await ok("enroll", 201, learner.POST("/api/v1/courses/{id}/enrollments", courseParams));
  check(enrollment.course_id === course.id && enrollment.status === "active", `enrollment ${JSON.stringify(enrollment)}`);
  // Enrolling again creates nothing: 200 with the existing enrollment.
  const again = await ok("enroll again", 200, learner.POST("/api/v1/courses/{id}/enrollments", courseParams));
  check(again.id === enrollment.id, `enrolling again gave a new enrollment ${again.id} (was ${enrollment.id})`);
  step("5. enroll (201); enrolling again (200) gives the same enrollment");

  // 6. the text lesson is locked behind the video
  const lesson = (id: string) => learner.GET("/api/v1/lessons/{id}", { params: { path: { id } } });
  const locked = await rejected("open the locked text lesson", 403, lesson(textId));
  check(locked.error.code === "LESSON_LOCKED", `expected LESSON_LOCKED: ${JSON.stringify(locked)}`);
  check(firstUnmetLesson(locked.error.details) === videoId, `unmet should name the video: ${JSON.stringify(locked)}`);
  step("6. the text lesson is locked (403 LESSON_LOCKED, unmet = the video)");

  // 7. video heartbeats
  const video = await ok("open the video", 200, lesson(videoId));
  const embed = video.video?.embed_url ?? fail(`the video lesson has no video: ${JSON.stringify(video)}`);
  check(/controls=0.*disablekb=1.*modestbranding=1.*rel=0/.test(embed), `embed url ${embed}`);
  const heartbeat = (intervals: [number, number][]) =>
    ok(
      "video heartbeat",
      200,
      learner.POST("/api/v1/lessons/{id}/video-progress", {
        params: { path: { id: videoId } },
        body: { intervals } satisfies Body<"/api/v1/lessons/{id}/video-progress", "post">,
      }),
    );
  check(!(await heartbeat([[110, 120]])).lesson_completed, "skipping to the end completed the video");
  const watched = await heartbeat([[0, 110]]);
  check(watched.lesson_completed, "watching the video did not complete it");
  step("7. video heartbeats: [[110,120]] does not complete, [[0,110]] does");

  // 8. text, then the quiz
  const text = await ok("open the text lesson", 200, lesson(textId));
  check(text.state !== "locked" && text.text !== undefined, `text lesson ${JSON.stringify(text)}`);
  const read = await ok(
    "complete the text lesson",
    200,
    learner.POST("/api/v1/lessons/{id}/complete", { params: { path: { id: textId } } }),
  );
  check(read.lesson_completed, "completing the text lesson did not complete it");
  const quizView = await ok("open the quiz", 200, lesson(quizId));
  const questions = quizView.quiz?.questions ?? fail(`the quiz lesson has no quiz: ${JSON.stringify(quizView)}`);
  for (const question of questions) {
    check(!("correct_options" in question) && !("accepted_answers" in question), "quiz view leaks answers");
  }
  const [q1, q2] = questions;
  check(q1 !== undefined && q2 !== undefined, "the quiz should have two questions");
  const attempt = (answers: Schemas["AnswerInput"][]) =>
    ok(
      "quiz attempt",
      200,
      learner.POST("/api/v1/lessons/{id}/quiz-attempts", {
        params: { path: { id: quizId } },
        body: { answers } satisfies Body<"/api/v1/lessons/{id}/quiz-attempts", "post">,
      }),
    );
  const wrong = await attempt([
    { question_id: q1.id, selected_options: [1] },
    { question_id: q2.id, text: "random" },
  ]);
  check(wrong.passed === false, `a wrong attempt passed: ${JSON.stringify(wrong)}`);
  const right = await attempt([
    { question_id: q1.id, selected_options: [0] },
    { question_id: q2.id, text: " Sequential " },
  ]);
  check(right.passed === true && right.score_percent === 100, `the right answers did not pass: ${JSON.stringify(right)}`);
  step("8. complete the text lesson; fail, then pass the quiz with 100");

  // 9. progress and enrollment status
  const progress = await ok("progress", 200, learner.GET("/api/v1/courses/{id}/progress", courseParams));
  check(progress.percent === 100, `progress is not 100 %: ${JSON.stringify(progress)}`);
  check(progress.enrollment_status === "completed", `progress says ${progress.enrollment_status}`);
  const mine = await ok("my enrollments", 200, learner.GET("/api/v1/me/enrollments"));
  const completed = mine.items.find((e) => e.course_id === course.id);
  check(completed?.status === "completed", `enrollment is ${completed?.status}`);
  step("9. progress is 100 % and the enrollment is completed");

  // 10. paging through my enrollments, one per page
  const second = await createPublishedCourse(
    teacher,
    { title: "Second journey course", description: "More", category: "testing", difficulty: "intermediate" },
    [{ title: "Only", kind: "text", text: { body: "One lesson." } }],
  );
  const secondEnrollment = await ok(
    "enroll in the second course",
    201,
    learner.POST("/api/v1/courses/{id}/enrollments", { params: { path: { id: second.course.id } } }),
  );
  const seen: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const query: Query<"/api/v1/me/enrollments", "get"> = after === undefined ? { limit: 1 } : { limit: 1, after };
    const page = await ok(
      `my enrollments page ${pages + 1}`,
      200,
      learner.GET("/api/v1/me/enrollments", { params: { query } }),
    );
    check(page.items.length <= 1, `limit=1 gave ${page.items.length} items`);
    seen.push(...page.items.map((e) => e.id));
    after = page.next_after;
    pages += 1;
  } while (after !== undefined && pages < 5);
  check(after === undefined, "paging did not end after 5 pages");
  check(pages >= 2, `two enrollments fit on ${pages} page(s) of one`);
  check(seen.length === 2 && new Set(seen).size === 2, `pages hold ${JSON.stringify(seen)}`);
  check(seen.includes(enrollment.id) && seen.includes(secondEnrollment.id), `pages hold ${JSON.stringify(seen)}`);
  step(`10. my enrollments with limit=1: ${pages} pages hold both enrollments`);

  // The instructor's view of the course enrollments (as in scripts/journey.sh).
  await rejected("learner lists course enrollments", 403, learner.GET("/api/v1/courses/{id}/enrollments", courseParams));
  const roster = await ok(
    "instructor lists course enrollments",
    200,
    teacher.GET("/api/v1/courses/{id}/enrollments", courseParams),
  );
  check(roster.items.length === 1 && roster.items[0]?.user_id === learnerUser.id, `roster ${JSON.stringify(roster)}`);
  step("the instructor sees the enrollment; the learner may not");

  console.log("typescript journey passed");
}

journey().catch((err: unknown) => {
  if (err instanceof JourneyFailure) {
    console.error(`journey FAILED: ${err.message}`);
  } else {
    console.error("journey FAILED with an unexpected error:", err);
  }
  process.exit(1);
});
