//! Random interleavings of clicks, stops, ticks, ECS events (in order, reversed, twice or lost),
//! crashes, people coming and going, three clicks at the same moment, and AWS faults. The world checks the invariants after every
//! invocation; at the end the account must converge within two ticks, and a stop must leave
//! nothing. Cases are fixed by a seed (PROPTEST_RNG_SEED and PROPTEST_CASES override it).

mod common;

use chrono::Duration;
use common::{proptest_config, runtime};
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::world::{People, World, OPERATIONS};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
enum Delivery {
    InOrder,
    Reversed,
    Twice,
    Lost,
}

#[derive(Debug, Clone)]
enum Action {
    Click,
    /// Three people click start at the same moment (the page is shared).
    ThreeClicks,
    Stop,
    /// Minutes pass, then the schedule fires.
    Tick(i64),
    /// The ECS scheduler acts; EventBridge delivers its events so.
    Ecs(Delivery),
    /// The task dies; its event is delivered or lost.
    Crash {
        delivered: bool,
    },
    PeopleJoin,
    PeopleLeave,
    /// From now until `Heal`, an operation fails beyond the SDK's retries.
    Fault {
        operation: &'static str,
        kind: &'static str,
    },
    Heal,
}

fn action() -> impl Strategy<Value = Action> {
    let delivery = prop_oneof![
        4 => Just(Delivery::InOrder),
        1 => Just(Delivery::Reversed),
        1 => Just(Delivery::Twice),
        1 => Just(Delivery::Lost),
    ];
    let fault = (
        // The worlds here have no custom domain: Route 53 is never called.
        prop::sample::select(
            OPERATIONS
                .iter()
                .copied()
                .filter(|operation| !operation.contains("ResourceRecordSets"))
                .collect::<Vec<_>>(),
        ),
        prop::sample::select(vec!["throttle", "unavailable"]),
    )
        .prop_map(|(operation, kind)| Action::Fault { operation, kind });
    prop_oneof![
        4 => Just(Action::Click),
        2 => Just(Action::ThreeClicks),
        2 => Just(Action::Stop),
        4 => (1i64..=12).prop_map(Action::Tick),
        6 => delivery.prop_map(Action::Ecs),
        1 => any::<bool>().prop_map(|delivered| Action::Crash { delivered }),
        3 => Just(Action::PeopleJoin),
        1 => Just(Action::PeopleLeave),
        2 => fault,
        1 => Just(Action::Heal),
    ]
}

async fn perform(w: &World, action: &Action) {
    match action {
        Action::Click => {
            w.click().await;
        }
        Action::ThreeClicks => {
            let (a, b, c) = tokio::join!(w.start_request(), w.start_request(), w.start_request());
            for status in [a, b, c] {
                w.after_http(status).await;
            }
        }
        Action::Stop => {
            w.stop().await;
        }
        Action::Tick(minutes) => {
            w.advance(Duration::minutes(*minutes)).await;
            w.tick().await;
        }
        Action::Ecs(delivery) => {
            let mut events = w.ecs().await;
            match delivery {
                Delivery::InOrder => {}
                Delivery::Reversed => events.reverse(),
                Delivery::Twice => events.extend(events.clone()),
                Delivery::Lost => events.clear(),
            }
            for event in &events {
                w.deliver(event).await;
            }
        }
        Action::Crash { delivered } => {
            if let Some(event) = w.crash().await {
                if *delivered {
                    w.deliver(&event).await;
                }
            }
        }
        Action::PeopleJoin => {
            // People can only join a meeting that is up.
            if w.status().await["phase"] == "ready" {
                w.people_join(People::TALKING).await;
            }
        }
        Action::PeopleLeave => w.people_leave(),
        Action::Fault { operation, kind } => {
            w.inject(json!([{"operation": operation, "kind": kind, "count": 1000}]));
        }
        Action::Heal => {
            w.clear_faults();
        }
    }
}

#[test]
fn random_interleavings_keep_the_invariants_and_converge() {
    let runtime = runtime();
    let aws = Arc::new(LocalAws::start());
    let case = AtomicU32::new(0);
    let mut runner = TestRunner::new(proptest_config(24));
    let result = runner.run(&prop::collection::vec(action(), 1..20), |actions| {
        let name = format!("mix{}", case.fetch_add(1, Ordering::Relaxed));
        runtime.block_on(async {
            let w = World::new(aws.clone(), &name).await;
            for action in &actions {
                perform(&w, action).await;
            }
            w.people_leave();
            w.settle().await;
            w.stop().await;
            let idle = w.settle().await;
            assert!(idle.is_idle(), "{name}: {idle:?} after {actions:?}");
            println!("{name} ({} actions): {}", actions.len(), w.figures());
        });
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
