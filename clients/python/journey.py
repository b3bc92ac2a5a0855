"""The learner journey (scripts/journey.sh) through the generated Python client `lms_client`.

Environment: LMS_URL (e.g. http://127.0.0.1:8080), LMS_ADMIN_EMAIL and LMS_ADMIN_PASSWORD (an
admin that already exists). Prints one line per step; exits 1 with a message on the first
failed assertion.

Every call goes through a generated `sync_detailed` function of a client created with
`raise_on_unexpected_status=True`, so a status the OpenAPI document does not list for an
operation fails the journey, and every body is the model the document names for its status.
"""

from __future__ import annotations

import os
import secrets
import sys
import traceback
from typing import Any, NoReturn, TypeVar
from uuid import UUID

from lms_client import AuthenticatedClient, Client
from lms_client.api.auth import login, refresh, register, update_user_access
from lms_client.api.catalog import create_course, create_lesson, open_lesson, publish_course
from lms_client.api.learning import (
    complete_lesson,
    enroll_in_course,
    get_course_progress,
    list_course_enrollments,
    list_my_enrollments,
    record_video_progress,
    submit_quiz_attempt,
)
from lms_client.errors import UnexpectedStatus
from lms_client.models import (
    AccessPatch,
    AnswerInput,
    CourseResponse,
    CourseStatusDto,
    CreateCourseRequest,
    CreateLessonRequest,
    DifficultyDto,
    EnrollmentPage,
    EnrollmentResponse,
    EnrollmentStatusDto,
    ErrorEnvelope,
    LessonKindDto,
    LessonResponse,
    LessonViewResponse,
    LoginRequest,
    ProgressResponse,
    ProgressUpdateResponse,
    QuestionInput,
    QuestionKindDto,
    QuizAttemptRequest,
    QuizInput,
    RefreshRequest,
    RegisterRequest,
    RoleDto,
    TextInput,
    TokenResponse,
    UserResponse,
    VideoInput,
    VideoProgressRequest,
)
from lms_client.types import UNSET, Response

T = TypeVar("T")


class JourneyFailed(Exception):
    pass


def fail(message: str) -> NoReturn:
    raise JourneyFailed(message)


def check(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def expect(what: str, response: Response[Any], statuses: int | tuple[int, ...], model: type[T]) -> T:
    """Asserts the status and the documented body model of a response and returns the body."""
    allowed = statuses if isinstance(statuses, tuple) else (statuses,)
    if response.status_code not in allowed:
        fail(
            f"{what}: expected {' or '.join(map(str, allowed))}, got {int(response.status_code)}: {response.content!r}"
        )
    if not isinstance(response.parsed, model):
        fail(f"{what}: expected a {model.__name__} body, got {type(response.parsed).__name__}: {response.content!r}")
    return response.parsed


def step(text: str) -> None:
    print(f"  {text:<72} ok", flush=True)


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        fail(f"{name} must be set")
    return value


def journey() -> None:
    base_url = env("LMS_URL").rstrip("/")
    admin_email = env("LMS_ADMIN_EMAIL")
    admin_password = env("LMS_ADMIN_PASSWORD")
    print(f"python journey against {base_url}")

    run_id = secrets.token_hex(6)
    password = f"Journey-{secrets.token_hex(8)}-Pw1"
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    def as_user(token: str) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)

    def sign_in(email: str, secret: str) -> TokenResponse:
        body = LoginRequest(email=email, password=secret)
        return expect(f"log in {email}", login.sync_detailed(client=anonymous, body=body), 200, TokenResponse)

    # 1. Register an instructor-to-be and a learner; registering the learner again is a conflict.
    teacher_email = f"py-teacher-{run_id}@example.com"
    learner_email = f"py-learner-{run_id}@example.com"
    teacher = expect(
        "register the instructor",
        register.sync_detailed(
            client=anonymous, body=RegisterRequest(email=teacher_email, password=password, display_name="Teacher")
        ),
        201,
        UserResponse,
    )
    learner_user = expect(
        "register the learner",
        register.sync_detailed(
            client=anonymous, body=RegisterRequest(email=learner_email, password=password, display_name="Learner")
        ),
        201,
        UserResponse,
    )
    check(learner_user.role == RoleDto.STUDENT, f"a new account has role {learner_user.role}")
    duplicate = expect(
        "register the learner again",
        register.sync_detailed(
            client=anonymous, body=RegisterRequest(email=learner_email, password=password, display_name="Again")
        ),
        409,
        ErrorEnvelope,
    )
    step(f"1 register an instructor-to-be and a learner; again → 409 {duplicate.error.code}")

    # 2. The admin promotes the instructor.
    admin = as_user(sign_in(admin_email, admin_password).access_token)
    promoted = expect(
        "promote the instructor",
        update_user_access.sync_detailed(teacher.id, client=admin, body=AccessPatch(role=RoleDto.INSTRUCTOR)),
        200,
        UserResponse,
    )
    check(promoted.role == RoleDto.INSTRUCTOR, f"promotion gave role {promoted.role}")
    step("2 log in as admin and promote the instructor")

    # 3. Instructor and learner log in; the learner's session is refreshed and the new access
    #    token is used from then on.
    instructor = as_user(sign_in(teacher_email, password).access_token)
    first = sign_in(learner_email, password)
    check(first.token_type == "Bearer", f"token_type is {first.token_type}")
    renewed = expect(
        "refresh the learner's session",
        refresh.sync_detailed(client=anonymous, body=RefreshRequest(refresh_token=first.refresh_token)),
        200,
        TokenResponse,
    )
    check(renewed.refresh_token != first.refresh_token, "the refresh token was not rotated")
    check(renewed.user.id == learner_user.id, "the refreshed session belongs to someone else")
    learner = as_user(renewed.access_token)
    step("3 log in as instructor and learner; refresh the learner's token")

    # 4. The instructor creates a course with a video, a text and a quiz lesson and publishes it.
    def new_course(title: str) -> CourseResponse:
        body = CreateCourseRequest(
            title=title, description="From zero to done", category="testing", difficulty=DifficultyDto.BEGINNER
        )
        course = expect(
            f"create course {title!r}", create_course.sync_detailed(client=instructor, body=body), 201, CourseResponse
        )
        check(course.status == CourseStatusDto.DRAFT, f"a new course is {course.status}, not a draft")
        return course

    def add_lesson(course_id: UUID, body: CreateLessonRequest) -> UUID:
        lesson = expect(
            f"add the {body.kind} lesson",
            create_lesson.sync_detailed(course_id, client=instructor, body=body),
            201,
            LessonResponse,
        )
        check(lesson.kind == body.kind, f"created a {lesson.kind} lesson instead of {body.kind}")
        return lesson.id

    def publish(course_id: UUID) -> None:
        course = expect(
            "publish the course", publish_course.sync_detailed(course_id, client=instructor), 200, CourseResponse
        )
        check(course.status == CourseStatusDto.PUBLISHED, f"the published course is {course.status}")

    course_id = new_course("Python journey course").id
    video_id = add_lesson(
        course_id,
        CreateLessonRequest(
            title="Watch",
            kind=LessonKindDto.VIDEO,
            video=VideoInput(youtube_id="dQw4w9WgXcQ", duration_seconds=120),
        ),
    )
    text_id = add_lesson(
        course_id,
        CreateLessonRequest(
            title="Read",
            kind=LessonKindDto.TEXT,
            text=TextInput(body="Sequential learning unlocks one lesson at a time."),
        ),
    )
    quiz_id = add_lesson(
        course_id,
        CreateLessonRequest(
            title="Check",
            kind=LessonKindDto.QUIZ,
            quiz=QuizInput(
                pass_mark_percent=100,
                questions=[
                    QuestionInput(
                        prompt="Is lesson 2 locked before lesson 1?",
                        kind=QuestionKindDto.TRUE_FALSE,
                        options=["True", "False"],
                        correct_options=[0],
                    ),
                    QuestionInput(
                        prompt="Name the unlock rule",
                        kind=QuestionKindDto.SHORT_ANSWER,
                        options=[],
                        correct_options=[],
                        accepted_answers=["sequential"],
                    ),
                ],
            ),
        ),
    )
    publish(course_id)
    step("4 create and publish a course with video, text and quiz lessons")

    # 5. The learner enrolls; enrolling again is answered with the same enrollment.
    enrollment = expect(
        "enroll the learner", enroll_in_course.sync_detailed(course_id, client=learner), 201, EnrollmentResponse
    )
    check(enrollment.status == EnrollmentStatusDto.ACTIVE, f"a new enrollment is {enrollment.status}")
    # Enrolling again answers 200 with the existing enrollment (201 only creates one). The
    # generated client only parses statuses the document lists for enrollInCourse.
    again = expect(
        "enroll the learner again", enroll_in_course.sync_detailed(course_id, client=learner), 200, EnrollmentResponse
    )
    check(again.id == enrollment.id, f"enrolling again gave enrollment {again.id}, not {enrollment.id}")
    step("5 enroll the learner (201); again → 200 with the same enrollment")

    # 6. The text lesson is locked behind the video.
    locked = expect(
        "open the locked text lesson", open_lesson.sync_detailed(text_id, client=learner), 403, ErrorEnvelope
    )
    check(locked.error.code == "LESSON_LOCKED", f"expected LESSON_LOCKED, got {locked.error.code}")
    unmet = locked.error.details.unmet
    check(
        isinstance(unmet, list) and bool(unmet) and unmet[0].lesson_id == video_id,
        f"unmet should name the video {video_id}: {locked.error.details!r}",
    )
    step("6 the text lesson is locked (403 LESSON_LOCKED, unmet = the video)")

    # 7. Video heartbeats: skipping to the end does not complete the lesson, watching does.
    video = expect(
        "open the video lesson", open_lesson.sync_detailed(video_id, client=learner), 200, LessonViewResponse
    )
    check(video.video is not UNSET, "the video lesson has no video")
    embed_url = video.video.embed_url
    for parameter in ("controls=0", "disablekb=1", "modestbranding=1", "rel=0"):
        check(parameter in embed_url, f"embed url {embed_url} lacks {parameter}")

    def watch(intervals: list[list[float]]) -> ProgressUpdateResponse:
        return expect(
            f"video progress {intervals}",
            record_video_progress.sync_detailed(
                video_id, client=learner, body=VideoProgressRequest(intervals=intervals)
            ),
            200,
            ProgressUpdateResponse,
        )

    check(not watch([[110, 120]]).lesson_completed, "skipping to the end completed the video")
    check(watch([[0, 110]]).lesson_completed, "watching the video did not complete it")
    step("7 video heartbeats: [[110,120]] does not complete, [[0,110]] does")

    # 8. Read and complete the text lesson; fail the quiz, then pass it with 100 %.
    expect("open the text lesson", open_lesson.sync_detailed(text_id, client=learner), 200, LessonViewResponse)
    expect(
        "complete the text lesson",
        complete_lesson.sync_detailed(text_id, client=learner),
        200,
        ProgressUpdateResponse,
    )
    quiz_response = open_lesson.sync_detailed(quiz_id, client=learner)
    quiz = expect("open the quiz", quiz_response, 200, LessonViewResponse)
    check(
        b"correct_options" not in quiz_response.content and b"accepted_answers" not in quiz_response.content,
        f"the quiz view leaks answers: {quiz_response.content!r}",
    )
    check(quiz.quiz is not UNSET and len(quiz.quiz.questions) == 2, f"unexpected quiz view: {quiz_response.content!r}")
    q1, q2 = (question.id for question in quiz.quiz.questions)

    def attempt(answers: list[AnswerInput]) -> ProgressUpdateResponse:
        return expect(
            "submit a quiz attempt",
            submit_quiz_attempt.sync_detailed(quiz_id, client=learner, body=QuizAttemptRequest(answers=answers)),
            200,
            ProgressUpdateResponse,
        )

    wrong = attempt([AnswerInput(question_id=q1, selected_options=[1]), AnswerInput(question_id=q2, text="random")])
    check(wrong.passed is False, f"a wrong attempt passed: {wrong.to_dict()}")
    right = attempt(
        [AnswerInput(question_id=q1, selected_options=[0]), AnswerInput(question_id=q2, text=" Sequential ")]
    )
    check(right.passed is True and right.score_percent == 100, f"the right answers did not pass: {right.to_dict()}")
    step("8 complete the text lesson; the quiz fails wrong, passes right with 100")

    # 9. Progress is 100 % and the enrollment is completed.
    progress = expect(
        "course progress", get_course_progress.sync_detailed(course_id, client=learner), 200, ProgressResponse
    )
    check(progress.percent == 100, f"progress is {progress.percent} %, not 100")
    check(
        progress.enrollment_status == EnrollmentStatusDto.COMPLETED,
        f"the enrollment is {progress.enrollment_status}, not completed",
    )
    mine = expect("my enrollments", list_my_enrollments.sync_detailed(client=learner), 200, EnrollmentPage)
    statuses = [item.status for item in mine.items if item.course_id == course_id]
    check(statuses == [EnrollmentStatusDto.COMPLETED], f"my enrollments show {statuses} for the course")
    step("9 progress is 100 and the enrollment is completed")

    # 10. Two enrollments, read one per page by following next_after.
    second_course_id = new_course("Python journey sequel").id
    add_lesson(
        second_course_id,
        CreateLessonRequest(title="Intro", kind=LessonKindDto.TEXT, text=TextInput(body="Part two.")),
    )
    publish(second_course_id)
    second = expect(
        "enroll in the second course",
        enroll_in_course.sync_detailed(second_course_id, client=learner),
        201,
        EnrollmentResponse,
    )
    seen: list[UUID] = []
    after: UUID | None = None
    pages = 0
    while True:
        pages += 1
        check(pages <= 4, f"paging did not end after {pages - 1} pages: {seen}")
        page = expect(
            f"my enrollments page {pages}",
            list_my_enrollments.sync_detailed(client=learner, limit=1, after=after if after else UNSET),
            200,
            EnrollmentPage,
        )
        check(len(page.items) <= 1, f"limit=1 returned {len(page.items)} items")
        seen.extend(item.id for item in page.items)
        if page.next_after is UNSET:
            break
        after = page.next_after
    check(pages >= 2, "two enrollments fit on one page of limit=1")
    check(len(seen) == len(set(seen)), f"an enrollment appears on two pages: {seen}")
    check(set(seen) == {enrollment.id, second.id}, f"the pages hold {seen}, not {[enrollment.id, second.id]}")
    step(f"10 my enrollments, limit=1: {pages} pages via next_after hold both enrollments")

    # The instructor sees the course's enrollment; the learner may not list them.
    expect(
        "the learner lists the course's enrollments",
        list_course_enrollments.sync_detailed(course_id, client=learner),
        403,
        ErrorEnvelope,
    )
    roster = expect(
        "the instructor lists the course's enrollments",
        list_course_enrollments.sync_detailed(course_id, client=instructor),
        200,
        EnrollmentPage,
    )
    check([item.id for item in roster.items] == [enrollment.id], f"the instructor sees {roster.to_dict()}")
    step("11 the instructor sees the enrollment; the learner may not")

    print("python journey passed")


def main() -> int:
    try:
        journey()
    except JourneyFailed as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    except UnexpectedStatus as error:
        # Raised by the generated code (raise_on_unexpected_status=True): name the call.
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == __file__]
        where = f" at journey.py:{frames[-1].lineno} ({frames[-1].line})" if frames else ""
        print(
            f"FAILED: the server answered {error.status_code}, a status the OpenAPI document does not list "
            f"for this operation{where}: {error.content!r}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
