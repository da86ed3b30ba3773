//! Building blocks shared by pages: the page layout, the field renderer and
//! error summary, the file picker of materials, the login guard and
//! not-found page, and the labels that word the API's machine values.
//! Pages import these, never each other.

pub mod feedback;
pub mod form;
pub mod labels;
pub mod layout;
pub mod page;
pub mod upload;
