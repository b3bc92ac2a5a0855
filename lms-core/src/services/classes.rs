use tracing::instrument;

use super::catalog::{load_course, parse_price, PriceInput};
use super::{retry_on_conflict, Actor, Deps, LearningService};
use crate::domain::class::Class;
use crate::domain::enrollment::{Enrollment, EnrollmentSource};
use crate::domain::events::EventPayload;
use crate::domain::text::{Description, Title};
use crate::error::{Entity, Error, Result, Validator};
use crate::ids::{ClassId, CourseId};
use crate::ports::{Page, PageRequest};

/// Class creation input, as received.
#[derive(Debug, Clone, Default)]
pub struct NewClass {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The price of the whole class; not sold as a whole when absent.
    pub price: Option<PriceInput>,
}

/// Class changes; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ClassPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New price (`Some(None)`: the class is no longer sold as a whole).
    pub price: Option<Option<PriceInput>>,
}

/// Classes: programs or cohorts grouping courses.
#[derive(Debug, Clone)]
pub struct ClassService {
    deps: Deps,
    learning: LearningService,
}

impl ClassService {
    pub(crate) fn new(deps: Deps, learning: LearningService) -> Self {
        Self { deps, learning }
    }

    /// Creates an empty class (instructors and admins).
    #[instrument(skip_all)]
    pub async fn create_class(&self, actor: &Actor, input: NewClass) -> Result<Class> {
        actor.require_author()?;
        let mut v = Validator::new();
        let title = v.field("title", Title::parse(&input.title));
        let description = v.field("description", Description::parse(&input.description));
        let price = v.field("price", parse_price(input.price));
        v.finish()?;
        let mut class = Class::new(
            actor.user_id,
            title.expect("validated above"),
            description.expect("validated above"),
            self.deps.clock.now(),
        );
        class.price = price.expect("validated above");
        let events = self.deps.events([EventPayload::ClassUpdated { class_id: class.id }]);
        self.deps
            .records
            .insert(&class, &events)
            .await
            .map_err(|e| e.about(Entity::Class, class.id))?;
        Ok(class)
    }

    /// A class. Any signed-in actor may read classes: learners choose one to enroll in.
    #[instrument(skip_all, fields(actor = %actor.user_id, class_id = %id))]
    pub async fn get_class(&self, actor: &Actor, id: ClassId) -> Result<Class> {
        self.load(id).await
    }

    /// Classes by id, for any signed-in actor.
    #[instrument(skip_all, fields(actor = %actor.user_id))]
    pub async fn list_classes(&self, actor: &Actor, page: PageRequest) -> Result<Page<Class>> {
        self.deps
            .records
            .list(page)
            .await
            .map_err(|e| e.about(Entity::Class, "list"))
    }

    async fn load(&self, id: ClassId) -> Result<Class> {
        load_class(&self.deps, id).await
    }

    /// Changes a class's title, description or price (its owner or an admin).
    #[instrument(skip_all, fields(class_id = %id))]
    pub async fn update_class(&self, actor: &Actor, id: ClassId, patch: ClassPatch) -> Result<Class> {
        let mut v = Validator::new();
        let title = patch.title.as_deref().and_then(|t| v.field("title", Title::parse(t)));
        let description = patch
            .description
            .as_deref()
            .and_then(|d| v.field("description", Description::parse(d)));
        let price = patch.price.map(|p| v.field("price", parse_price(p)));
        v.finish()?;
        self.modify(actor, id, |class| {
            if let Some(title) = &title {
                class.title = title.clone();
            }
            if let Some(description) = &description {
                class.description = description.clone();
            }
            if let Some(Some(price)) = price {
                class.price = price;
            }
            Ok(())
        })
        .await
    }

    /// Adds an existing course to a class (its owner or an admin). Idempotent.
    #[instrument(skip_all, fields(class_id = %class_id, course_id = %course_id))]
    pub async fn add_course(&self, actor: &Actor, class_id: ClassId, course_id: CourseId) -> Result<Class> {
        load_course(&self.deps, course_id).await?;
        self.modify(actor, class_id, |class| class.add_course(course_id).map(|_| ()))
            .await
    }

    /// Removes a course from a class; existing enrollments stay.
    #[instrument(skip_all, fields(class_id = %class_id, course_id = %course_id))]
    pub async fn remove_course(&self, actor: &Actor, class_id: ClassId, course_id: CourseId) -> Result<Class> {
        self.modify(actor, class_id, |class| {
            class.remove_course(course_id);
            Ok(())
        })
        .await
    }

    /// Enrolls the actor in every published course of the class. Calling it again enrolls
    /// in courses added since. Paid courses need payment or premium, as for single courses.
    #[instrument(skip_all, fields(class_id = %class_id))]
    pub async fn enroll(&self, actor: &Actor, class_id: ClassId) -> Result<Vec<Enrollment>> {
        let class = self.load(class_id).await?;
        let courses = self
            .deps
            .stores
            .courses
            .get_courses(&class.course_ids)
            .await
            .map_err(|e| e.about(Entity::Course, class_id))?;
        let mut enrollments = Vec::new();
        for course in courses
            .iter()
            .filter(|c| c.status() == crate::domain::course::CourseStatus::Published)
        {
            let source = course.price.is_free().then_some(EnrollmentSource::Class { class_id });
            let enrolled = self.learning.enroll_in(actor.user_id, course, source).await?;
            enrollments.push(enrolled.into_enrollment());
        }
        Ok(enrollments)
    }

    async fn modify(&self, actor: &Actor, id: ClassId, change: impl Fn(&mut Class) -> Result<()>) -> Result<Class> {
        retry_on_conflict(|| async {
            let mut class = self.load(id).await?;
            if class.owner_id != actor.user_id && !actor.is_admin() {
                return Err(Error::Forbidden(
                    "only the class's owner or an admin may change it".into(),
                ));
            }
            change(&mut class)?;
            let events = self.deps.events([EventPayload::ClassUpdated { class_id: id }]);
            let expected = class.version;
            class.version += 1;
            class.updated_at = self.deps.clock.now();
            self.deps
                .records
                .update(&class, expected, &events)
                .await
                .map_err(|e| e.about(Entity::Class, id))?;
            Ok(class)
        })
        .await
    }
}

/// Loads a class or fails with `CLASS_NOT_FOUND`.
pub(crate) async fn load_class(deps: &Deps, id: ClassId) -> Result<Class> {
    deps.records
        .get(id)
        .await
        .map_err(|e| e.about(Entity::Class, id))?
        .ok_or_else(|| Error::not_found(Entity::Class, id))
}
