//! kabar's integration tests: one binary, one module per area.

mod build;
mod diagnostics;
mod harness;
mod import;
mod reliability;
