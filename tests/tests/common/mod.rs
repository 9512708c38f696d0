//! What the property tests share.

use proptest::test_runner::{Config, RngSeed};

/// `cases` cases from a fixed seed, so that CI runs the same ones every time; PROPTEST_CASES and
/// PROPTEST_RNG_SEED explore others. Failures are printed, not written into the tree.
pub fn proptest_config(cases: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(20_261_123);
    }
    config.failure_persistence = None;
    config
}

/// A runtime like the tests' own, for property tests whose cases are synchronous closures.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
