//! API tests: each spawns the real server on a random port with a fresh
//! database — a SQLite file in a temp dir, and, when `DATABASE_URL_PG` is
//! set, a PostgreSQL database of its own.

mod helpers;

mod auth;
mod authz;
mod backup;
mod calendar;
mod catalog;
mod cli;
mod errors;
mod feedback;
mod materials;
mod openapi;
mod outbox;
mod receiver;
mod reminders;
mod retention;
mod stats;
mod storage;
mod submissions;
mod workbench;
mod zone;
