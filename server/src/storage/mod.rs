//! Storage of uploaded documents (申请材料: ID card photos, PDFs), encrypted
//! at rest.

pub mod sealed;
