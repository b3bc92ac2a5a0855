//! Courses and their lessons over SQL.

use lms_core::domain::course::{Course, CourseSummary};
use lms_core::domain::events::DomainEvent;
use lms_core::ids::{CourseId, LessonId};
use lms_core::ports::{CourseFilter, Page, PageRequest, StoreResult};
use std::sync::Arc;

use super::{SqlStore, Table};
use crate::backend::Backend;
use crate::statement::{Statement, Value};
use crate::{distinct_uuids, stored_version, version_column, CourseRow};

const COURSES: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM courses WHERE id = ?)",
    unique: None,
};

/// The columns of a course in the order its statements name them, its id last.
fn bind_course<'a>(statement: &mut Statement<'a>, row: &'a CourseRow) {
    statement
        .bind(Value::Id(row.owner_id))
        .bind(Value::Text(row.status))
        .bind(Value::Text(&row.category_key))
        .bind(Value::Text(&row.search_text))
        .bind(Value::Int(row.version))
        .bind(Value::Json(&row.summary))
        .bind(Value::Json(&row.doc))
        .bind(Value::Id(row.id));
}

/// Courses.
impl<B: Backend> SqlStore<B> {
    /// `CourseStore::insert_course`.
    pub async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut insert = Self::statement(
            "INSERT INTO courses (owner_id, status, category_key, search_text, version, summary, doc, id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        );
        bind_course(&mut insert, &row);
        let mut tx = self.backend.begin().await?;
        self.insert(&mut tx, &COURSES, &insert, row.id).await?;
        self.backend.write_lessons(&mut tx, &row, true).await?;
        self.backend.commit(tx, events).await
    }

    /// `CourseStore::get_course`.
    pub async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where("SELECT doc FROM courses WHERE id = ?", Value::Id(id.as_uuid()))
            .await
    }

    /// `CourseStore::course_version`.
    pub async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        let mut query = Self::statement("SELECT version FROM courses WHERE id = ?");
        query.bind(Value::Id(id.as_uuid()));
        let version: Option<i64> = self.row(&query).await?;
        version.map(stored_version).transpose()
    }

    /// `CourseStore::get_courses`.
    pub async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        let ids = distinct_uuids(ids.iter().map(CourseId::as_uuid));
        self.docs_in(&ids, |mut query| {
            query.push("SELECT doc FROM courses WHERE id");
            query
        })
        .await
    }

    /// `CourseStore::find_course_by_lesson`.
    pub async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where(
            "SELECT c.doc FROM course_lessons l JOIN courses c ON c.id = l.course_id WHERE l.lesson_id = ?",
            Value::Id(lesson_id.as_uuid()),
        )
        .await
    }

    /// `CourseStore::update_course`.
    pub async fn update_course(
        &self,
        course: &Course,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut update = Self::statement(
            "UPDATE courses SET owner_id = ?, status = ?, category_key = ?, search_text = ?, version = ?, \
             summary = ?, doc = ? WHERE id = ? AND version = ?",
        );
        bind_course(&mut update, &row);
        update.bind(Value::Int(version_column(expected_version)?));
        let mut tx = self.backend.begin().await?;
        self.update(&mut tx, &COURSES, &update, row.id).await?;
        self.backend.write_lessons(&mut tx, &row, false).await?;
        self.backend.commit(tx, events).await
    }

    /// `CourseStore::list_courses`.
    pub async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        let mut query = Self::statement("SELECT summary FROM courses WHERE TRUE");
        if let Some(status) = filter.status {
            query.push(" AND status = ?").bind(Value::Text(status.as_str()));
        }
        if let Some(owner_id) = filter.owner_id {
            query.push(" AND owner_id = ?").bind(Value::Id(owner_id.as_uuid()));
        }
        if let Some(category) = &filter.category {
            query.push(" AND category_key = ?").bind(Value::Text(category.as_str()));
        }
        if let Some(text) = &filter.text {
            query
                .push(" AND ")
                .push(B::DIALECT.position)
                .push("(search_text, ?) > 0")
                .bind(Value::Text(text.as_str()));
        }
        self.page(query, page, |s: &CourseSummary| s.id.as_uuid()).await
    }
}
