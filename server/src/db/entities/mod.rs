//! sea-orm entities. Never used as request or response bodies: the wire
//! types live in `app::api`.

pub mod catalog_version;
