//! The demo course, created at start when the database does not have it yet.

use lms_core::domain::course::CourseStatus;
use lms_core::domain::user::Role;
use lms_core::ids::CourseId;
use lms_core::ports::PageRequest;
use lms_core::services::{CourseQuery, LessonInput, NewCourse, NewLesson, NewUser};
use lms_core::{Actor, Error, Lms};

/// The instructor who owns the demo course. The account has no password: this
/// application only uses it to author the course.
pub const INSTRUCTOR_EMAIL: &str = "instructor@example.com";
/// The demo course's title.
pub const COURSE_TITLE: &str = "Embedding lms-core";

/// The demo lessons: title and body. Each unlocks when the one before is completed.
const LESSONS: [(&str, &str); 3] = [
    (
        "Ports and adapters",
        "The core owns the rules; storage, mail and the clock are ports.",
    ),
    (
        "Stores",
        "Open an adapter, migrate it, and hand it to Stores::from_backend.",
    ),
    (
        "The relay",
        "Every write appends its events to the outbox; the relay delivers them.",
    ),
];

/// The id of the demo course: the instructor's published course of that title, created
/// (with its instructor) and published if missing, so starting again finds the same one.
pub async fn demo_course(lms: &Lms) -> Result<CourseId, Error> {
    let instructor = match lms.users.find_by_email(INSTRUCTOR_EMAIL).await? {
        Some(user) => user,
        None => {
            lms.users
                .provision(
                    NewUser {
                        email: INSTRUCTOR_EMAIL.into(),
                        display_name: "Demo Instructor".into(),
                    },
                    Role::Instructor,
                )
                .await?
        }
    };
    let instructor = Actor::of(&instructor);
    let query = CourseQuery {
        owner_id: Some(instructor.user_id),
        status: Some(CourseStatus::Published),
        text: Some(COURSE_TITLE.into()),
        ..CourseQuery::default()
    };
    let found = lms
        .catalog
        .list_courses(Some(&instructor), query, PageRequest::first())
        .await?;
    if let Some(course) = found.items.iter().find(|c| c.title.as_str() == COURSE_TITLE) {
        return Ok(course.id);
    }

    let course = lms
        .catalog
        .create_course(
            &instructor,
            NewCourse {
                title: COURSE_TITLE.into(),
                description: "A demo course of three text lessons, unlocked one after another.".into(),
                category: "Programming".into(),
                ..NewCourse::default()
            },
        )
        .await?;
    for (title, body) in LESSONS {
        let lesson = NewLesson {
            title: title.into(),
            content: LessonInput::Text { body: body.into() },
            required: None,
            prerequisites: None,
            position: None,
        };
        lms.catalog.add_lesson(&instructor, course.id, lesson).await?;
    }
    lms.catalog.publish(&instructor, course.id).await?;
    Ok(course.id)
}
