//! Pages, one module per screen (or family of screens). They render on the
//! server only; the interactive parts are islands. A page imports from
//! `components` and the layers below, never from another page: what two
//! pages share belongs in `components`.

pub mod admin;
pub mod admin_calendar;
pub mod apply;
pub mod auth;
pub mod bundle;
pub mod cases;
pub mod dashboard;
pub mod desk;
pub mod dispatch;
pub mod high_frequency;
pub mod home;
pub mod hotline;
pub mod me;
pub mod submission;
pub mod workbench;
pub mod zone;
