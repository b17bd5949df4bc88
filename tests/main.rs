//! kabar's integration tests: one binary, one module per command or stage.

mod build;
mod cache;
mod deploy;
mod diagnostics;
mod harness;
mod import;
mod newsroom;
mod preview;
mod publication;
mod reliability;
mod review;
mod search;
mod serve;
