//! Domain types and the rules that belong to them. Nothing here does I/O.

pub mod class;
pub mod course;
pub mod enrollment;
pub mod events;
pub mod lesson;
pub mod money;
pub mod password;
pub mod quiz;
pub mod text;
pub mod unlock;
pub mod user;
pub mod video;
