//! sea-orm entities. Never used as request or response bodies: the wire
//! types live in `app::api`.

pub mod audit_head;
pub mod audit_log;
pub mod calendar_year;
pub mod case;
pub mod case_event;
pub mod catalog_version;
pub mod certificate;
pub mod commitment;
pub mod credit_record;
pub mod department_endpoint;
pub mod draft;
pub mod enterprise;
pub mod enterprise_member;
pub mod filing_measure;
pub mod high_frequency_list;
pub mod login_throttle;
pub mod material_review;
pub mod notification;
pub mod outbox;
pub mod policy_offer;
pub mod profile_fact;
pub mod rating;
pub mod reminder;
pub mod session;
pub mod stats_fact;
pub mod stats_period;
pub mod submission;
pub mod types;
pub mod upload;
pub mod user;
pub mod work_item;
pub mod work_item_event;
