//! The one integration-test binary: each module covers one command or stage.

mod review;
mod serve;
