//! Classes: programs or cohorts that group courses. A learner enrolled in a class is
//! enrolled in each of its courses. A class with a price is also sold as a whole: one
//! order gives access to all of its courses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::money::Price;
use crate::domain::text::{Description, Title};
use crate::error::{Error, Result};
use crate::ids::{ClassId, CourseId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// Most courses in one class.
pub const MAX_CLASS_COURSES: usize = 200;

/// A class of courses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    /// Identifier.
    pub id: ClassId,
    /// The instructor or admin who manages it.
    pub owner_id: UserId,
    /// Title.
    pub title: Title,
    /// Description.
    pub description: Description,
    /// Courses in the class, in order.
    pub course_ids: Vec<CourseId>,
    /// The price of the whole class; free means it is not sold as a whole (its courses
    /// keep their own prices).
    #[serde(default, skip_serializing_if = "Price::is_free")]
    pub price: Price,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version as stored (1 after creation).
    pub version: u64,
}

impl Class {
    /// A new, empty class.
    pub fn new(owner_id: UserId, title: Title, description: Description, now: DateTime<Utc>) -> Self {
        Self {
            id: ClassId::new(),
            owner_id,
            title,
            description,
            course_ids: Vec::new(),
            price: Price::Free,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// Adds a course once; adding it again changes nothing.
    pub fn add_course(&mut self, course_id: CourseId) -> Result<bool> {
        if self.course_ids.contains(&course_id) {
            return Ok(false);
        }
        if self.course_ids.len() >= MAX_CLASS_COURSES {
            return Err(Error::invalid(
                "course_ids",
                "too_many",
                format!("a class has at most {MAX_CLASS_COURSES} courses"),
            ));
        }
        self.course_ids.push(course_id);
        Ok(true)
    }

    /// Removes a course; returns whether it was there.
    pub fn remove_course(&mut self, course_id: CourseId) -> bool {
        let before = self.course_ids.len();
        self.course_ids.retain(|&c| c != course_id);
        before != self.course_ids.len()
    }
}

impl Record for Class {
    const KIND: RecordKind = RecordKind {
        name: "class",
        keys: &[KeySpec::lookup("owner_id")],
    };

    fn id(&self) -> uuid::Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.owner_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("owner_id", self.owner_id);
    }
}
